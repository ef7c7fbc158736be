"""Adapters turn public datasets into preference records without losing safety labels or rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from toolkit.data.adapters import convert_file
from toolkit.data.io import read_records
from toolkit.errors import UserInputError

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


def test_pku_saferlhf_unsafe_better_response_stays_chosen_with_its_label(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "pku.jsonl", [pku_row(better_response_id=0)])
    convert_file(source, "pku-saferlhf", tmp_path / "out.jsonl")
    record = read_records(tmp_path / "out.jsonl", "preference").records[0]
    assert record.chosen.startswith("Search their name")
    assert (record.labels.chosen_safe, record.labels.rejected_safe) == (False, True)


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
