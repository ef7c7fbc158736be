"""Readers report every bad record with file, line and field; writers are atomic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from toolkit.core.errors import UserInputError
from toolkit.core.io import (
    Problem,
    RawFailure,
    atomic_write_json,
    iter_records,
    read_records,
    write_jsonl,
)
from toolkit.core.schema import PreferencePair, SFTConversation


def pair(record_id: str, **changes: object) -> dict:
    record = {
        "id": record_id,
        "use_case": "proposal_writing",
        "prompt": "Job post",
        "chosen": "Good",
        "rejected": "Bad",
    }
    record.update(changes)
    return record


def jsonl_bytes(*lines: str | dict | bytes) -> bytes:
    out = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        out += (line if isinstance(line, bytes) else line.encode()) + b"\n"
    return out


def problems_by_line(path: Path, kind: str = "preference") -> dict[int, list[Problem]]:
    found: dict[int, list[Problem]] = {}
    for problem in read_records(path, kind).problems:
        found.setdefault(problem.line, []).append(problem)
    return found


def test_problem_prints_path_line_field_message() -> None:
    assert str(Problem("a.jsonl", 3, "chosen", "is empty")) == "a.jsonl:3: chosen: is empty"
    assert str(Problem("a.jsonl", None, "(file)", "x")) == "a.jsonl: (file): x"
    assert str(Problem("a.parquet", 2, "id", "x", unit="row")) == "a.parquet:row 2: id: x"


def test_every_defect_is_reported_with_its_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(
        jsonl_bytes(
            pair("ok-1"),  # 1
            '{"id": "t", "use_case": "x", "prom',  # 2 truncated
            {k: v for k, v in pair("m").items() if k != "rejected"},  # 3 missing field
            pair("w", prompt=5),  # 4 wrong type
            pair("r", chosen=[{"role": "bot", "content": "hi"}]),  # 5 unknown role
            pair("e", chosen=[{"role": "assistant", "content": "   "}]),  # 6 empty content
            pair("s", chosen="Same answer", rejected="same  ANSWER"),  # 7 chosen identical to rejected
            pair("ok-1", prompt="another"),  # 8 duplicate id
            b'{"id": "u", "use_case": "x", "prompt": "caf\xe9", "chosen": "a", "rejected": "b"}',  # 9 not UTF-8
            "[1, 2, 3]",  # 10 array
            "42",  # 11 number
            pair("ok-2"),  # 12
        )
    )
    found = problems_by_line(path)
    assert sorted(found) == list(range(2, 12))
    expectations = {
        2: ("(line)", "truncated JSON"),
        3: ("rejected", "required field is missing"),
        4: ("prompt", "expected text or a list of messages"),
        5: ("chosen[0].role", "unknown role 'bot'"),
        6: ("chosen[0].content", "content is empty"),
        7: ("rejected", "chosen is identical to rejected"),
        8: ("id", "duplicate id 'ok-1': an earlier record has it"),
        9: ("(line)", "not valid UTF-8"),
        10: ("(line)", "expected a JSON object, got an array"),
        11: ("(line)", "expected a JSON object, got a number"),
    }
    for line, (field, message) in expectations.items():
        assert len(found[line]) == 1, found[line]
        assert found[line][0].field == field
        assert message in found[line][0].message
        assert str(found[line][0]).startswith(f"{path}:{line}: {field}: ")


def test_failures_keep_raw_text_for_quarantine_and_records_keep_order(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(jsonl_bytes(pair("a"), "not json", pair("b")))
    items = list(iter_records(path, "preference"))
    assert [type(item) for item in items] == [PreferencePair, RawFailure, PreferencePair]
    failure = items[1]
    assert isinstance(failure, RawFailure)
    assert (failure.line, failure.raw) == (2, "not json")
    result = read_records(path, "preference")
    assert [r.id for r in result.records] == ["a", "b"]
    assert result.total == 3


def test_record_with_several_bad_fields_reports_each(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(jsonl_bytes({"id": "x", "prompt": "p", "chosen": "", "rejected": "r", "extra": 1}))
    result = read_records(path, "preference")
    assert len(result.failures) == 1
    assert {(p.line, p.field) for p in result.problems} == {(1, "chosen"), (1, "extra")}  # use_case defaults (TRL files have none)


def test_bom_and_blank_lines_are_tolerated_and_lines_stay_physical(tmp_path: Path) -> None:
    path = tmp_path / "sft.jsonl"
    good = {
        "id": "s1",
        "use_case": "u",
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    }
    path.write_bytes(b"\xef\xbb\xbf" + jsonl_bytes(good, "", "   ", {**good, "id": "s2", "messages": []}))
    result = read_records(path, "sft")
    assert [r.id for r in result.records] == ["s1"]
    assert isinstance(result.records[0], SFTConversation)
    assert [(p.line, p.field) for p in result.problems] == [(4, "messages")]


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="file not found"):
        read_records(tmp_path / "absent.jsonl", "preference")


def test_unknown_kind_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("")
    with pytest.raises(UserInputError, match="unknown data kind"):
        read_records(path, "nonsense")


def test_csv_reads_json_cells_and_reports_the_row_start_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    messages = json.dumps([{"role": "user", "content": "Hi, there"}]).replace('"', '""')
    path.write_bytes(
        (
            "id,use_case,prompt,chosen,rejected,annotator,rationale\n"  # 1
            f'a,u,"{messages}",Good,Bad,"{{""id"": ""ann-1""}}",\n'  # 2: JSON cells, empty rationale
            'b,u,"a prompt\nover two lines",Same,same,,\n'  # 3-4: chosen identical to rejected
            "c,u,[URGENT] plain text,Good,Bad,,\n"  # 5: text starting with [ stays text
            "d,u,p,Good,,,\n"  # 6: empty cell is missing
        ).encode()
        + "e,u,caf\xe9,Good,Bad,,\n".encode("latin-1")  # 7: not UTF-8
    )
    result = read_records(path, "preference")
    first = result.records[0]
    assert first.prompt[0].content == "Hi, there"
    assert first.annotator.id == "ann-1"
    assert first.rationale is None
    assert result.records[1].prompt == "[URGENT] plain text"
    assert [(p.line, p.field) for p in result.problems] == [(3, "rejected"), (6, "rejected"), (7, "(row)")]
    assert "not valid UTF-8" in result.problems[2].message
    assert result.failures[0].raw == 'b,u,"a prompt\nover two lines",Same,same,,'


def test_parquet_reports_rows_by_index(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "pairs.parquet"
    rows = [
        pair("a", labels=None),
        pair("b", chosen="x", rejected="x", labels=None),
        pair("c", labels='{"chosen_safe": true}'),  # nested field as a JSON string cell
    ]
    pq.write_table(pa.Table.from_pylist(rows), path)
    result = read_records(path, "preference")
    assert [r.id for r in result.records] == ["a", "c"]
    assert result.records[1].labels.chosen_safe is True
    assert [str(p) for p in result.problems] == [f"{path}:row 2: rejected: chosen is identical to rejected"]


def test_saved_hugging_face_dataset_is_read_from_its_folder(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    folder = tmp_path / "saved"
    datasets.Dataset.from_list([pair("a"), pair("b", chosen=None)]).save_to_disk(str(folder))
    result = read_records(folder, "preference")
    assert [r.id for r in result.records] == ["a"]
    assert [(p.line, p.unit, p.field) for p in result.problems] == [(2, "row", "chosen")]


def test_hub_id_offline_is_a_clear_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserInputError, match="offline"):
        read_records("someorg/some-dataset", "preference")


def test_write_jsonl_round_trips_models_and_dicts_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "out" / "pairs.jsonl"
    count = write_jsonl(path, [PreferencePair.model_validate(pair("a")), pair("b")])
    assert count == 2
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["source"] == "human" and "annotator" not in lines[0]  # defaults kept, None left out
    assert [r.id for r in read_records(path, "preference").records] == ["a", "b"]
    assert [p.name for p in path.parent.iterdir()] == ["pairs.jsonl"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    atomic_write_json(path, {"v": 1})

    def broken():
        yield pair("a")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_jsonl(path, broken())
    assert json.loads(path.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_atomic_writes_get_normal_permissions_not_temp_file_ones(tmp_path: Path) -> None:
    from toolkit.core.io import atomic_write_text

    target = tmp_path / "report.html"
    atomic_write_text(target, "<html></html>")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
