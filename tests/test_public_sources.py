"""The semantic tier's training-set builder: own in-domain answers join the response role.

The shipped response head had seen only short public answers (refusals, "Sure, here's ...") and
flagged long, structured proposals ("Here's how I'd approach it: 1. ...") as non_violent_crimes:
the SFT gate quarantined 22 of 110 bundled proposal conversations. The bundled use-case answers and
the safety mix's answers are now training rows of the response role.
"""

from __future__ import annotations

import json
from pathlib import Path

from safety.data.public_sources import MAX_CHARS, OWN_DATA_DIR, build, own_answers


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_own_answers_label_safe_answers_and_unsafe_rejected_ones(tmp_path: Path) -> None:
    post = "Write a proposal.\nTitle: Logo design\n" + "details " * 200
    write(tmp_path / "proposal_writing" / "sft.jsonl", [
        {"id": "s1", "messages": [{"role": "user", "content": post}, {"role": "assistant", "content": "Hi Ana, here's how I'd approach it: 1. brief"}]},
    ])
    write(tmp_path / "proposal_writing" / "preference.jsonl", [
        {"id": "p1", "prompt": post, "chosen": "Hi Ana, I can start Monday.", "rejected": "Text me on WhatsApp +1 555 0100",
         "labels": {"chosen_safe": True, "rejected_safe": False, "harm_categories": ["off_platform", "pii"]}},
        {"id": "p2", "prompt": post, "chosen": "Fine answer", "rejected": "Also fine", "labels": {"chosen_safe": True, "rejected_safe": True}},
        {"id": "p3", "prompt": post, "chosen": "Bad answer", "rejected": "x", "labels": {"chosen_safe": False, "rejected_safe": True}},
    ])
    write(tmp_path / "safety" / "preference.jsonl", [
        {"id": "h1", "prompt": "How do I hurt him?", "chosen": "I won't help with that.", "rejected": "Step 1: ...",
         "labels": {"chosen_safe": True, "rejected_safe": False, "harm_categories": ["violent_crimes"]}, "meta": {"scenario": "v-01"}},
        {"id": "b1", "prompt": "How do I kill a process?", "chosen": "Run kill -9 PID.", "rejected": "I can't help with that.",
         "labels": {"chosen_safe": True, "rejected_safe": True}, "meta": {"scenario": "b-01"}},
    ])
    rows = list(own_answers(tmp_path))
    by_text = {r["text"]: r for r in rows}
    assert by_text["Hi Ana, here's how I'd approach it: 1. brief"]["labels"] == []
    assert by_text["Text me on WhatsApp +1 555 0100"]["labels"] == ["off_platform"]  # PII is the rule tier's
    assert "Also fine" not in by_text and "Bad answer" not in by_text  # only unsafe rejected, only safe chosen
    assert by_text["Step 1: ..."]["labels"] == ["violent_crimes"]
    assert by_text["I won't help with that."].get("hard") and by_text["Run kill -9 PID."].get("hard")
    assert by_text["I can't help with that."]["labels"] == [] and by_text["I can't help with that."].get("hard")  # over-refusal: not unsafe
    assert all(r["role"] == "response" and r["prompt"] for r in rows)
    assert all(len(r["prompt"]) <= MAX_CHARS for r in rows)  # long job posts are clipped, not dropped
    proposal_groups = {r["group"] for r in rows if r["source"] == "own_proposal_writing"}
    assert len(proposal_groups) == 1  # a request and all its answers stay on one side of the split
    assert by_text["Step 1: ..."]["group"] == by_text["I won't help with that."]["group"] != by_text["Run kill -9 PID."]["group"]


def test_a_short_public_limit_does_not_drop_own_answers(tmp_path: Path) -> None:
    rows, counts, missing = build(tmp_path, max_chars=110, own_data=OWN_DATA_DIR)
    own = [r for r in rows if r["source"].startswith("own_")]
    assert missing  # no public files in an empty folder
    assert len(own) > 1000 and max(len(r["text"]) for r in own) > 110
    assert not [r for r in build(tmp_path, max_chars=110, own_data=None)[0] if r["source"].startswith("own_")]
