"""Small data and recipes for training tests: a few gated-worthy pairs and conversations."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

SAFE_ANSWERS = [
    "I rebuilt three Shopify stores this year and can start Monday; milestones are in the proposal.",
    "Happy to help: I will audit your SEO, fix the top ten issues and report weekly.",
    "I can deliver the React dashboard in two weeks with tests and a short handover call.",
    "My plan: wireframes in Figma first, then two rounds of revisions before development.",
    "I have five years of bookkeeping experience with Xero and can reconcile your accounts.",
    "I'll edit the three videos, add captions and deliver 1080p files through the platform.",
]
UNSAFE_REJECTED = [
    "Pay me through PayPal directly so we avoid the platform fees, my email is dev.guy@example.com",
    "Message me on WhatsApp at +1 415 555 0134 and we can settle payment outside.",
    "You are an idiot if you hire anyone else, this job is trivial.",
]
PLAIN_REJECTED = ["i can do it", "ok", "send details", "I am interested, please check my profile."]


def write_training_data(folder: Path, pairs: int = 12, conversations: int = 8) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pref = folder / "pairs.jsonl"
    with pref.open("w", encoding="utf-8") as handle:
        for i in range(pairs):
            rejected = UNSAFE_REJECTED[i % 3] if i % 2 == 0 else PLAIN_REJECTED[i % 4]
            handle.write(
                json.dumps(
                    {
                        "id": f"p-{i}",
                        "use_case": "proposal_writing",
                        "prompt": [{"role": "user", "content": f"Job {i}: write a short proposal for project number {i}."}],
                        "chosen": [{"role": "assistant", "content": SAFE_ANSWERS[i % len(SAFE_ANSWERS)]}],
                        "rejected": [{"role": "assistant", "content": rejected}],
                        "annotator": {"id": f"fl-{i % 3}"},
                    }
                )
                + "\n"
            )
    sft = folder / "sft.jsonl"
    with sft.open("w", encoding="utf-8") as handle:
        for i in range(conversations):
            handle.write(
                json.dumps(
                    {
                        "id": f"s-{i}",
                        "use_case": "proposal_writing",
                        "messages": [
                            {"role": "user", "content": f"Help me scope project {i}: a landing page."},
                            {"role": "assistant", "content": SAFE_ANSWERS[i % len(SAFE_ANSWERS)]},
                            {"role": "user", "content": "And the timeline?"},
                            {"role": "assistant", "content": f"About {i + 2} weeks, with a review each Friday."},
                        ],
                    }
                )
                + "\n"
            )
    return pref, sft


def write_tiny_recipe(folder: Path, model_dir: Path, name: str = "tiny", extra: dict | None = None) -> Path:
    """A recipe that trains every stage for a couple of steps on the tiny model."""
    pref, sft = write_training_data(folder / "data")
    step = {"max_steps": 2, "per_device_train_batch_size": 2, "per_device_eval_batch_size": 2, "max_length": 128, "save_steps": 1, "logging_steps": 1}
    recipe = {
        "name": name,
        "seed": 3,
        "output_dir": str(folder / "runs"),
        "model": {"name": str(model_dir), "dtype": "float32", "lora": {"r": 4, "alpha": 8}},
        "data": {"sft": {"path": str(sft)}, "preference": {"path": str(pref)}, "split": {"eval_fraction": 0.25, "seed": 1}},
        "safety": {"classifiers": {"semantic": False}},
        "stages": {
            "sft": dict(step),
            "reward": dict(step),
            "cost": {**step, "enabled": True},
            "dpo": {**step, "safety_margin": 1.0},
        },
        "eval": {"enabled": False},
        "tracking": {"wandb": {"mode": "offline", "project": "tests"}},
    }
    _merge(recipe, extra or {})
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False), encoding="utf-8")
    return path


def _merge(base: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
