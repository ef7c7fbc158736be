"""The shipped safety mix: what it holds, that it is reproducible, and that every recipe trains on it
through the validated `data.mixture` field."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from safety.taxonomy import CATEGORY_IDS
from toolkit.core.errors import UserInputError
from toolkit.core.io import read_records
from toolkit.core.schema import normalise_text, turns_text
from toolkit.data.mixture import mix_records
from toolkit.recipe import load_recipe

ROOT = Path(__file__).resolve().parents[1]
MIX = ROOT / "recipes" / "data" / "safety"
USE_CASE_RECIPES = ["proposal_writing", "job_post", "candidate_evaluation", "help_center_qa", "project_scoping", "demo"]


def test_safety_mix_covers_every_category_with_both_kinds_of_pair() -> None:
    pairs = read_records(MIX / "preference.jsonl", "preference")
    assert pairs.failures == []
    kinds = Counter(p.meta["kind"] for p in pairs.records)
    assert kinds["harmful_request"] >= 300 and kinds["benign_sounds_harmful"] >= 200
    harmful = [p for p in pairs.records if p.meta["kind"] == "harmful_request"]
    assert {p.meta["category"] for p in harmful} == set(CATEGORY_IDS)  # marketplace categories included
    assert all(p.labels.chosen_safe and p.labels.rejected_safe is False and p.labels.prompt_harmful for p in harmful)
    benign = [p for p in pairs.records if p.meta["kind"] == "benign_sounds_harmful"]
    assert all(p.labels.rejected_safe and p.labels.prompt_harmful is False for p in benign)
    prompts = [normalise_text(turns_text(p.prompt)) for p in pairs.records]
    assert len(prompts) == len(set(prompts))  # every phrasing is distinct
    # varied wording: no single chosen text dominates, and compliant answers carry placeholders only
    assert Counter(p.chosen for p in harmful).most_common(1)[0][1] <= 2
    assert all("[" in turns_text(p.rejected) for p in harmful if p.meta["category"] != "prompt_injection")


def test_safety_mix_conversations_include_late_harmful_turns() -> None:
    conversations = read_records(MIX / "sft.jsonl", "sft")
    assert conversations.failures == []
    late = [c for c in conversations.records if c.meta["kind"] == "multi_turn_refusal"]
    assert len(late) >= 40
    assert all(sum(m.role == "user" for m in c.messages) >= 2 and c.labels.prompt_harmful for c in late)
    helpful = [c for c in conversations.records if c.meta["kind"] in ("helpful", "multi_turn_helpful")]
    assert len(helpful) >= 50 and not any(c.labels.prompt_harmful for c in helpful)


def test_safety_mix_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(MIX / "generate.py"), "--out", str(tmp_path)], check=True, capture_output=True)
    for name in ("preference.jsonl", "needless_redirects.jsonl", "sft.jsonl"):
        assert (tmp_path / name).read_bytes() == (MIX / name).read_bytes(), name


def test_needless_redirect_pairs_reject_a_refusal_the_eval_counts_on_benign_prompts() -> None:
    """Over-refusals of the tuned demo model were mostly refusals shaped like the harmful pairs' chosen
    answers ("I can't help with X, but I can help with Y"); these pairs put exactly that shape on the
    rejected side of every benign phrasing, and the eval's refusal detector must count it as a refusal."""
    from safety.refusal import is_refusal

    pairs = read_records(MIX / "needless_redirects.jsonl", "preference")
    benign = [p for p in read_records(MIX / "preference.jsonl", "preference").records if p.meta["kind"] == "benign_sounds_harmful"]
    assert pairs.failures == [] and len(pairs.records) == len(benign)
    assert [p.prompt for p in pairs.records] == [p.prompt for p in benign]
    assert [p.chosen for p in pairs.records] == [p.chosen for p in benign]
    assert all(p.labels.prompt_harmful is False and p.labels.rejected_safe for p in pairs.records)
    assert all(is_refusal(turns_text(p.rejected)) for p in pairs.records)
    assert len({turns_text(p.rejected) for p in pairs.records}) >= 15  # varied wording


@pytest.mark.parametrize("name", USE_CASE_RECIPES)
def test_every_use_case_recipe_and_the_demo_mix_in_the_safety_data(name: str) -> None:
    recipe = load_recipe(ROOT / "recipes" / f"{name}.yaml")
    mixed = {(Path(m.path).resolve(), m.kind) for m in recipe.data.mixture}
    assert (MIX / "preference.jsonl", "preference") in mixed and (MIX / "sft.jsonl", "sft") in mixed
    assert all(m.weight > 0 for m in recipe.data.mixture)


def test_mixture_weight_is_validated_with_its_path(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: r\ndata:\n  mixture:\n    - {path: x.jsonl, kind: preference, weight: -1}\n")
    with pytest.raises(UserInputError, match=r"data.mixture.*weight"):
        load_recipe(recipe)


def _pairs(path: Path, prefix: str, count: int) -> Path:
    rows = [{"id": f"{prefix}{i}", "use_case": "x", "prompt": f"q {prefix} {i}", "chosen": "good", "rejected": "bad"} for i in range(count)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_mixture_takes_weight_times_own_records_deterministically(tmp_path: Path) -> None:
    class Entry:
        def __init__(self, path: Path, weight: float) -> None:
            self.path, self.kind, self.weight, self.format = str(path), "preference", weight, "auto"

    own = read_records(_pairs(tmp_path / "own.jsonl", "o", 10), "preference").records
    extra = _pairs(tmp_path / "mix.jsonl", "m", 30)
    first = mix_records(own, "preference", [Entry(extra, 0.5)], seed=1)
    assert len(first.records) == 15 and first.summary[0]["taken"] == 5 and first.summary[0]["available"] == 30
    assert [r.id for r in mix_records(own, "preference", [Entry(extra, 0.5)], seed=1).records] == [r.id for r in first.records]
    assert mix_records(own, "preference", [Entry(extra, 9.0)], seed=1).summary[0]["taken"] == 30  # capped
    with pytest.raises(UserInputError, match="also in"):
        mix_records(own, "preference", [Entry(tmp_path / "own.jsonl", 1.0)], seed=1)
