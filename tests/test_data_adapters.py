"""Adapters turn public datasets into preference records without losing safety labels or rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from toolkit.core.errors import UserInputError
from toolkit.core.io import read_records
from toolkit.data.adapters import convert_file

PKU_CATEGORIES = {"Privacy Violation": False, "Cybercrime": False, "Violence": False, "Alien Category": False}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def hh(*turns: str) -> str:
    return "".join(f"\n\n{turn}" for turn in turns)


def pku_row(**changes: object) -> dict:
    row = {
        "prompt": "How do I find someone's home address?",
        "response_0": "Search their name with a people-finder site and their phone number.",
        "response_1": "I can't help locate a private person's address.",
        "better_response_id": 1,
        "safer_response_id": 1,
        "is_response_0_safe": False,
        "is_response_1_safe": True,
        "response_0_harm_category": {**PKU_CATEGORIES, "Privacy Violation": True, "Cybercrime": True},
        "response_1_harm_category": dict(PKU_CATEGORIES),
        "response_0_severity_level": 2,
        "response_1_severity_level": 0,
        "prompt_source": "Alpaca3-70B",
    }
    row.update(changes)
    return row


def test_hh_rlhf_keeps_multi_turn_prefix_as_prompt_and_final_replies(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "hh.jsonl",
        [
            {
                "chosen": hh("Human: What is 2+2?", "Assistant: 4.", "Human: And 3+3?", "Assistant: 6."),
                "rejected": hh(
                    "Human: What is 2+2?", "Assistant: 4.", "Human: And 3+3?", "Assistant: Guess."
                ),
            }
        ],
    )
    report = convert_file(source, "hh-rlhf", tmp_path / "out.jsonl")
    record = read_records(tmp_path / "out.jsonl", "preference").records[0]
    assert record.id == "hh-000001"
    assert [(m.role, m.content) for m in record.prompt] == [
        ("user", "What is 2+2?"),
        ("assistant", "4."),
        ("user", "And 3+3?"),
    ]
    assert [(m.role, m.content) for m in record.chosen] == [("assistant", "6.")]
    assert [(m.role, m.content) for m in record.rejected] == [("assistant", "Guess.")]
    assert (report.input_rows, report.converted, report.skipped) == (1, 1, [])


def test_hh_rlhf_rows_that_cannot_convert_are_reported_with_line_and_kept(tmp_path: Path) -> None:
    good = {
        "chosen": hh("Human: Hi", "Assistant: Hello!"),
        "rejected": hh("Human: Hi", "Assistant: Go away."),
    }
    rows = [
        good,
        {"chosen": hh("Human: Hi", "Assistant: Hello!"), "rejected": hh("Human: Hey", "Assistant: No.")},
        {"chosen": hh("Human: Hi", "Assistant: Hello!", "Human: Bye")},
        good,
    ]
    source = write_jsonl(tmp_path / "hh.jsonl", rows)
    out = tmp_path / "out.jsonl"
    report = convert_file(source, "hh-rlhf", out)
    assert report.converted + len(report.skipped) == report.input_rows == 4
    assert [(p.line, p.field) for p in report.problems] == [(2, "rejected"), (3, "chosen")]
    assert "differ before the final assistant reply" in report.problems[0].message
    assert [r.id for r in read_records(out, "preference").records] == ["hh-000001", "hh-000004"]
    quarantined = [json.loads(line) for line in Path(report.skipped_path).read_text().splitlines()]
    assert [q["line"] for q in quarantined] == [2, 3]
    assert json.loads(quarantined[0]["raw"]) == rows[1]


def test_pku_saferlhf_keeps_safety_labels_and_original_categories(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "pku.jsonl", [pku_row()])
    convert_file(source, "pku-saferlhf", tmp_path / "out.jsonl", use_case="safety")
    record = read_records(tmp_path / "out.jsonl", "preference").records[0]
    assert record.chosen.startswith("I can't help")  # better_response_id = 1
    assert record.use_case == "safety"
    assert (record.labels.chosen_safe, record.labels.rejected_safe) == (True, False)
    assert record.labels.harm_categories == ["privacy", "non_violent_crimes"]
    assert record.meta["pku_harm_categories"] == {
        "response_0": ["Privacy Violation", "Cybercrime"],
        "response_1": [],
    }
    assert record.meta["safer_response_id"] == 1
    assert record.meta["severity_levels"] == {"response_0": 2, "response_1": 0}
    assert record.meta["prompt_source"] == "Alpaca3-70B"  # columns we do not model are not dropped


def test_pku_saferlhf_category_outside_the_taxonomy_is_kept_in_meta(tmp_path: Path) -> None:
    row = pku_row(response_1_harm_category={**PKU_CATEGORIES, "Alien Category": True, "Violence": True})
    source = write_jsonl(tmp_path / "pku.jsonl", [row])
    convert_file(source, "pku-saferlhf", tmp_path / "out.jsonl")
    record = read_records(tmp_path / "out.jsonl", "preference").records[0]
    assert record.labels.harm_categories == ["privacy", "non_violent_crimes", "violent_crimes"]
    assert record.meta["unmapped_harm_categories"] == ["Alien Category"]


def test_pku_saferlhf_prefer_better_keeps_the_unsafe_better_response_chosen_with_its_label(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "pku.jsonl", [pku_row(better_response_id=0)])
    convert_file(source, "pku-saferlhf", tmp_path / "out.jsonl", prefer="better")
    record = read_records(tmp_path / "out.jsonl", "preference").records[0]
    assert record.chosen.startswith("Search their name")
    assert (record.labels.chosen_safe, record.labels.rejected_safe) == (False, True)
    assert record.labels.better == "chosen"


def test_pku_saferlhf_prefers_the_safer_answer_by_default_and_keeps_the_helpfulness_order(tmp_path: Path) -> None:
    """A pair whose more helpful answer explains the harm must not reach DPO as `chosen`."""
    source = write_jsonl(tmp_path / "pku.jsonl", [pku_row(better_response_id=0), pku_row(safer_response_id=None, id="x")])
    convert_file(source, "pku-saferlhf", tmp_path / "out.jsonl")
    safer_first, no_safer = read_records(tmp_path / "out.jsonl", "preference").records
    assert safer_first.chosen.startswith("I can't help")
    assert (safer_first.labels.chosen_safe, safer_first.labels.rejected_safe) == (True, False)
    assert safer_first.labels.better == "rejected"  # the reward stage trains on helpfulness
    assert (safer_first.meta["better_response_id"], safer_first.meta["safer_response_id"]) == (0, 1)
    assert no_safer.meta["preferred_by"].startswith("better")


def test_plain_trl_preference_files_are_accepted_as_they_are(tmp_path: Path) -> None:
    rows = [
        {"prompt": "Write a tagline for a bakery.", "chosen": "Fresh every dawn.", "rejected": "Bread."},
        {
            "prompt": [{"role": "user", "content": "Summarise: the meeting moved to 3pm."}],
            "chosen": [{"role": "assistant", "content": "The meeting is now at 3pm."}],
            "rejected": [{"role": "assistant", "content": "Meetings are useful."}],
        },
        {  # implicit prompt: full conversations, TRL extracts the shared prefix
            "chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}],
            "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "What."}],
        },
    ]
    source = write_jsonl(tmp_path / "prefs.jsonl", rows)
    read = read_records(source, "preference", use_case="job_post")
    assert read.failures == []
    assert [r.use_case for r in read.records] == ["job_post"] * 3
    assert all(r.id.startswith("prefs-") for r in read.records)
    assert len({r.id for r in read.records}) == 3
    assert [(m.role, m.content) for m in read.records[2].prompt] == [("user", "Hi")]
    again = read_records(source, "preference")
    assert [r.id for r in again.records] == [r.id for r in read.records]  # stable ids
    assert {r.use_case for r in again.records} == {"general"}
    report = convert_file(source, "trl", tmp_path / "out.jsonl")
    assert (report.input_rows, report.converted) == (3, 3)
    assert [r.id for r in read_records(tmp_path / "out.jsonl", "preference").records] == [r.id for r in read.records]


def test_plain_trl_sft_files_are_accepted_as_they_are(tmp_path: Path) -> None:
    rows = [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
        {"prompt": "2+2?", "completion": "4"},
    ]
    read = read_records(write_jsonl(tmp_path / "sft.jsonl", rows), "sft")
    assert read.failures == []
    assert [m.role for m in read.records[1].messages] == ["user", "assistant"]


def test_beavertails_pairs_a_safe_and_an_unsafe_response_to_the_same_prompt(tmp_path: Path) -> None:
    harmful = {"violence,aiding_and_abetting,incitement": True, "privacy_violation": True, "self_harm": False}
    rows = [
        {"prompt": "How do I get back at my neighbour?", "response": "Slash their tyres at night.", "is_safe": False, "category": harmful},
        {"prompt": "How do I get back at my neighbour?", "response": "Talk to them, or to a mediator.", "is_safe": True, "category": {}},
        {"prompt": "Where does my ex live now?", "response": "I can't help find that.", "is_safe": True, "category": {}},
    ]
    report = convert_file(write_jsonl(tmp_path / "bt.jsonl", rows), "beavertails", tmp_path / "out.jsonl")
    (pair,) = read_records(tmp_path / "out.jsonl", "preference").records
    assert (pair.chosen, pair.rejected) == ("Talk to them, or to a mediator.", "Slash their tyres at night.")
    assert (pair.labels.chosen_safe, pair.labels.rejected_safe) == (True, False)
    assert pair.labels.harm_categories == ["violent_crimes", "privacy"]
    assert (report.input_rows, report.converted, report.pairs, len(report.skipped)) == (3, 2, 1, 1)
    assert "no response of the opposite safety" in str(report.problems[0])


def test_ultrafeedback_binarized_rows_become_pairs_with_a_score_margin(tmp_path: Path) -> None:
    user = {"role": "user", "content": "Name a prime number."}
    row = {
        "prompt": "Name a prime number.",
        "prompt_id": "abc",
        "chosen": [user, {"role": "assistant", "content": "7 is prime."}],
        "rejected": [user, {"role": "assistant", "content": "9 is prime."}],
        "messages": [user, {"role": "assistant", "content": "7 is prime."}],
        "score_chosen": 9.0,
        "score_rejected": 2.5,
    }
    report = convert_file(write_jsonl(tmp_path / "uf.jsonl", [row]), "ultrafeedback", tmp_path / "out.jsonl")
    (pair,) = read_records(tmp_path / "out.jsonl", "preference").records
    assert report.converted == 1
    assert [m.content for m in pair.prompt] == ["Name a prime number."]
    assert [m.content for m in pair.chosen] == ["7 is prime."]
    assert pair.margin == 6.5


def test_pku_saferlhf_reads_parquet_and_reports_bad_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [pku_row(), pku_row(better_response_id=7), pku_row(response_1_harm_category=None)]
    for row in rows:  # Parquet cells holding JSON text, as CSV exports often do
        for name in ("response_0_harm_category", "response_1_harm_category"):
            row[name] = json.dumps(row[name]) if row[name] is not None else None
    path = tmp_path / "pku.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    report = convert_file(path, "pku-saferlhf", tmp_path / "out.jsonl")
    assert (report.input_rows, report.converted) == (3, 2)
    assert [str(p) for p in report.problems] == [f"{path}:row 2: better_response_id: expected 0 or 1, got 7"]
    records = read_records(tmp_path / "out.jsonl", "preference").records
    assert [r.id for r in records] == ["pku-000001", "pku-000003"]
    assert records[1].labels.harm_categories == ["privacy", "non_violent_crimes"]


def test_flat_csv_converts_labels_annotators_and_generates_ids(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "id",
                "prompt",
                "chosen",
                "rejected",
                "annotator_id",
                "chosen_safe",
                "rejected_safe",
                "harm_categories",
                "team",
            ]
        )
        writer.writerow(
            [
                "p-1",
                "Job: logo",
                "Here is my plan",
                "pay me on whatsapp",
                "fl-1",
                "true",
                "false",
                "off_platform; S7",
                "red",
            ]
        )
        writer.writerow(["", "Job: site", "I built three", "i can do it", "", "", "", "", ""])
        writer.writerow(["", "Job: app", "Plan", "Other", "", "", "", "made-up", ""])
    out = tmp_path / "out.jsonl"
    report = convert_file(path, "csv", out, use_case="proposal_writing")
    records = read_records(out, "preference").records
    assert [r.id for r in records] == ["p-1", "csv-000002"]
    first = records[0]
    assert first.use_case == "proposal_writing"
    assert first.annotator.id == "fl-1"
    assert (first.labels.chosen_safe, first.labels.rejected_safe) == (True, False)
    assert first.labels.harm_categories == ["off_platform", "privacy"]
    assert first.meta == {"team": "red"}
    assert records[1].labels is None
    assert [(p.line, p.field, p.message) for p in report.problems] == [
        (4, "harm_categories", "unknown harm category 'made-up'")
    ]


def test_unknown_source_is_a_user_error(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "x.jsonl", [])
    with pytest.raises(UserInputError, match="unknown source"):
        convert_file(source, "reddit", tmp_path / "out.jsonl")
