"""Splits are deterministic, leakage-free, deduplicated, and their counts add up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolkit.core.errors import UserInputError
from toolkit.core.schema import PreferencePair, QAItem, SFTConversation
from toolkit.data.split import group_key, split_file, split_records


def pair(
    record_id: str, prompt: str, chosen: str = "good answer", rejected: str = "bad answer"
) -> PreferencePair:
    return PreferencePair(id=record_id, use_case="u", prompt=prompt, chosen=chosen, rejected=rejected)


def many_pairs(groups: int = 40, per_group: int = 3) -> list[PreferencePair]:
    return [
        pair(f"g{g}-{i}", f"Prompt number {g}", chosen=f"good {i}", rejected=f"bad {i}")
        for g in range(groups)
        for i in range(per_group)
    ]


def ids(records: list) -> list[str]:
    return [r.id for r in records]


def test_same_input_and_seed_give_the_same_split_whatever_the_input_order() -> None:
    records = many_pairs()
    first = split_records(records, "preference", 0.25, seed=7)
    again = split_records(list(reversed(records)), "preference", 0.25, seed=7)
    assert sorted(ids(first.eval)) == sorted(ids(again.eval))
    assert sorted(ids(first.train)) == sorted(ids(again.train))
    assert ids(first.train) == [r.id for r in records if r.id in set(ids(first.train))]  # input order kept


def test_a_different_seed_gives_a_different_split() -> None:
    records = many_pairs()
    assert set(ids(split_records(records, "preference", 0.25, seed=1).eval)) != set(
        ids(split_records(records, "preference", 0.25, seed=2).eval)
    )


def test_records_sharing_a_prompt_land_in_the_same_split() -> None:
    records = many_pairs()
    # the same prompt written differently (case, spacing) is the same group
    records.append(pair("variant", "  PROMPT   number 3 ", chosen="other good", rejected="other bad"))
    result = split_records(records, "preference", 0.3, seed=3)
    train_prompts = {group_key(r, "preference") for r in result.train}
    eval_prompts = {group_key(r, "preference") for r in result.eval}
    assert train_prompts and eval_prompts
    assert not train_prompts & eval_prompts
    variant_split = "train" if "variant" in ids(result.train) else "eval"
    expected = "train" if "g3-0" in ids(result.train) else "eval"
    assert variant_split == expected


def test_eval_share_is_near_the_requested_fraction() -> None:
    result = split_records(many_pairs(groups=40, per_group=3), "preference", 0.25, seed=0)
    assert 27 <= len(result.eval) <= 33  # 25 % of 120, whole groups of 3
    assert len(result.train) + len(result.eval) == 120


def test_sft_groups_by_first_user_message_and_qa_by_question() -> None:
    sft = SFTConversation(
        id="s",
        use_case="u",
        messages=[
            {"role": "system", "content": "Be kind"},
            {"role": "user", "content": "Hello  THERE"},
            {"role": "assistant", "content": "Hi"},
        ],
    )
    assert group_key(sft, "sft") == "hello there"
    assert group_key(QAItem(id="q", question="What FEES?", answer="10%"), "qa") == "what fees?"


def test_duplicates_are_removed_and_reported_with_what_they_duplicate() -> None:
    records = [
        pair("a", "Write a proposal", "Dear client", "no"),
        pair("b", "Write a proposal", "Dear client", "no"),  # exact duplicate of a
        pair("c", "write a  PROPOSAL", "dear CLIENT", "No"),  # same after normalising
        pair("d", "Write a proposal", "Dear client, hi", "no"),  # different chosen: kept
    ]
    result = split_records(records, "preference", 0.0, seed=1)
    assert ids(result.train) == ["a", "d"]
    assert result.eval == []
    assert [(r.id, r.reason, r.duplicate_of) for r in result.removed] == [
        ("b", "exact_duplicate", "a"),
        ("c", "normalised_duplicate", "a"),
    ]


def test_fraction_outside_zero_to_one_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="--eval-fraction"):
        split_records(many_pairs(2, 1), "preference", 1.5, seed=0)


def test_split_file_writes_splits_and_report_whose_counts_add_up(tmp_path: Path) -> None:
    source = tmp_path / "pairs.jsonl"
    lines = [r.model_dump_json() for r in many_pairs(groups=10, per_group=2)]
    lines.append(many_pairs(1, 1)[0].model_copy(update={"id": "dup"}).model_dump_json())  # duplicate of g0-0
    lines.append('{"id": "broken"')  # invalid: reported, not split
    source.write_text("\n".join(lines) + "\n")
    report = split_file(source, "preference", 0.2, 5, tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "split_report.json").read_text())
    counts = saved["counts"]
    assert counts == {"input": 22, "train": report.train, "eval": report.eval, "removed": 1, "invalid": 1}
    assert counts["train"] + counts["eval"] + counts["removed"] + counts["invalid"] == counts["input"]
    assert saved["removed"] == [{"id": "dup", "reason": "exact_duplicate", "duplicate_of": "g0-0"}]
    assert saved["invalid"][0].startswith(f"{source}:22: (line): truncated JSON")
    assert (saved["seed"], saved["eval_fraction"]) == (5, 0.2)
    train_lines = (tmp_path / "out" / "train.jsonl").read_text().splitlines()
    eval_lines = (tmp_path / "out" / "eval.jsonl").read_text().splitlines()
    assert (len(train_lines), len(eval_lines)) == (counts["train"], counts["eval"])
    assert counts["eval"] == 4  # 20 % of 20 kept records, in whole groups of 2
