"""The eval stage, one module per suite: base model vs tuned policy on the same prompts.

`runner.py` plans the suites, generates with each model once (`generation.py`), then lets each suite
score its answers; `suites/` holds one module per suite behind the small `Suite` interface in
`base.py`; `prompts.py` reads prompt sets (AdvBench, XSTest, HarmBench, JSONL); `stats.py` holds the
paired statistics. The suite names are `toolkit.registry.SUITE_NAMES` (checked when a recipe loads).
"""
