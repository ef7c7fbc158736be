"""`toolkit data ...`: exit codes, one-line messages, no tracebacks for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


def pair(record_id: str, prompt: str = "Job post", **changes: object) -> dict:
    return {
        "id": record_id,
        "use_case": "u",
        "prompt": prompt,
        "chosen": "Good",
        "rejected": "Bad",
        **changes,
    }


def write_lines(path: Path, *lines: str | dict) -> Path:
    path.write_text("".join((json.dumps(line) if isinstance(line, dict) else line) + "\n" for line in lines))
    return path


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_clean_file_prints_ok_and_exits_0(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "pairs.jsonl", pair("a"), pair("b"))
    result = runner.invoke(app, ["data", "validate", str(path), "--kind", "preference"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok: 2 records"


def test_validate_prints_every_problem_with_line_and_exits_2(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "pairs.jsonl", pair("a"), '{"id": "b"', pair("a", prompt="other"), "[1]")
    result = runner.invoke(app, ["data", "validate", str(path), "--kind", "preference"])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {path}:2: (line): truncated JSON: Expecting ',' delimiter at column 11",
        f"error: {path}:3: id: duplicate id 'a': an earlier record has it",
        f"error: {path}:4: (line): expected a JSON object, got an array",
    ]
    assert "3 problem(s) in 3 of 4 records" in result.stderr
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "validate", "missing.jsonl", "--kind", "sft"], "error: missing.jsonl: file not found"),
        (["data", "validate", "{path}", "--kind", "nope"], "error: --kind: unknown data kind 'nope'"),
        (
            ["data", "split", "{path}", "--kind", "preference", "--out", "{dir}/split", "--eval-fraction", "1.5"],
            "error: --eval-fraction:",
        ),
        (
            ["data", "convert", "{path}", "--from", "reddit", "--out", "{dir}/o.jsonl"],
            "error: --from: unknown source",
        ),
        (["data", "stats", "{dir}/x.unknown", "--kind", "qa"], "cannot tell the format"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    path = write_lines(tmp_path / "pairs.jsonl", pair("a"))
    (tmp_path / "x.unknown").write_text("")
    filled = [a.replace("{path}", str(path)).replace("{dir}", str(tmp_path)) for a in args]
    result = runner.invoke(app, filled)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert_no_traceback(result)


def test_stats_json_reports_counts_and_leaves_invalid_records_out(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "pairs.jsonl", pair("a"), pair("b", use_case="other"), "oops")
    result = runner.invoke(app, ["data", "stats", str(path), "--kind", "preference", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["by_use_case"] == {"u": 1, "other": 1}
    assert stats["invalid"] == 1
    assert f"warning: {path}:3: (line): invalid JSON" in result.stderr


def test_stats_renders_tables(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "pairs.jsonl", pair("a"))
    result = runner.invoke(app, ["data", "stats", str(path), "--kind", "preference"])
    assert result.exit_code == 0, result.output
    assert "1 preference records" in result.stdout
    assert "By use case" in result.stdout


def test_convert_writes_output_and_reports_skipped_rows(tmp_path: Path) -> None:
    rows = [
        {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!", "rejected": "\n\nHuman: Hi\n\nAssistant: Go away."},
        {"chosen": "no markers here", "rejected": "\n\nHuman: Hi\n\nAssistant: Go away."},
    ]
    path = write_lines(tmp_path / "hh.jsonl", *rows)
    out = tmp_path / "pairs.jsonl"
    result = runner.invoke(app, ["data", "convert", str(path), "--from", "hh-rlhf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "converted 1 of 2 rows" in result.stdout
    assert f"warning: {path}:2: chosen: text before the first 'Human:' turn (row skipped)" in result.stderr
    assert len(out.read_text().splitlines()) == 1


def test_convert_with_no_convertible_row_exits_2(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "hh.jsonl", {"chosen": 3, "rejected": "x"})
    result = runner.invoke(
        app, ["data", "convert", str(path), "--from", "hh-rlhf", "--out", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert "error: " in result.stderr
    assert_no_traceback(result)


def test_split_writes_train_eval_and_report(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "pairs.jsonl", *(pair(f"p{i}", prompt=f"prompt {i}") for i in range(10)))
    out = tmp_path / "split"
    args = [
        "data",
        "split",
        str(path),
        "--kind",
        "preference",
        "--eval-fraction",
        "0.2",
        "--seed",
        "3",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "train 8, eval 2, duplicates removed 0, invalid 0 (of 10)" in result.stdout
    assert {p.name for p in out.iterdir()} == {"train.jsonl", "eval.jsonl", "split_report.json"}
    refused = runner.invoke(app, args)  # a second split into the same folder would replace the first
    assert refused.exit_code == 2
    assert "folder is not empty" in refused.stderr and "--overwrite" in refused.stderr
    again = runner.invoke(app, [*args, "--overwrite"])
    assert again.exit_code == 0
    assert json.loads((out / "split_report.json").read_text())["counts"]["eval"] == 2


def test_every_data_command_and_option_has_help() -> None:
    import typer

    data_group = typer.main.get_command(app).commands["data"]
    assert set(data_group.commands) >= {"validate", "stats", "convert", "split"}
    for name in ("validate", "stats", "convert", "split"):
        command = data_group.commands[name]
        assert command.help, name
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name}"
        assert runner.invoke(app, ["data", name, "--help"]).exit_code == 0
