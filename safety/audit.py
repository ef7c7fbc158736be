"""The gate's audit trail on disk: `kept.jsonl`, `quarantine.jsonl` and `report.json` in one folder.

Streams: records are read, gated and written batch by batch, so memory stays bounded on files of
millions of records. Every file is written atomically (temp file + os.replace): a crash leaves
the previous outputs, never half of a new one.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from safety.classifiers.base import Classifier
from safety.config import GATE_STAGE_KIND, GATE_STAGES, SafetyConfig
from safety.gate import Gate, GateReport, GateResult
from toolkit.core.errors import UserInputError

KEPT_FILE = "kept.jsonl"
QUARANTINE_FILE = "quarantine.jsonl"
REPORT_FILE = "report.json"
GATE_KINDS: tuple[str, ...] = ("preference", "sft")
# Cache bound for streamed runs: repeated prompts still hit, memory stays flat on 1M records.
STREAM_CACHE_ENTRIES = 100_000


def count_lines(path: str | Path) -> int:
    """Non-blank lines of a text file, read in binary blocks (fast enough to size a progress bar)."""
    count = 0
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                count += 1
    return count


def gate_stage_and_kind(stage: str | None, kind: str | None) -> tuple[str, str]:
    """The gate stage and data kind from `--stage` and/or `--kind` (a kind alone gates as dpo or sft)."""
    if stage is not None and stage not in GATE_STAGES:
        raise UserInputError("--stage", f"unknown gate stage {stage!r}; use one of {', '.join(GATE_STAGES)}")
    if kind is not None and kind not in GATE_KINDS:
        raise UserInputError("--kind", f"the gate takes {' or '.join(GATE_KINDS)} data, not {kind!r}")
    if stage is None and kind is None:
        raise UserInputError("--stage", f"say which stage to gate for: {', '.join(GATE_STAGES)}")
    if stage is None:
        stage = "sft" if kind == "sft" else "dpo"
    if kind is not None and GATE_STAGE_KIND[stage] != kind:
        raise UserInputError("--kind", f"stage {stage} gates {GATE_STAGE_KIND[stage]} data, not {kind}")
    return stage, GATE_STAGE_KIND[stage]


def run_gate_file(
    input: str | Path,
    kind: str | None,
    out_dir: str | Path,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
    config: SafetyConfig | None = None,
    stage: str | None = None,
    classifiers: Sequence[Classifier] | None = None,
    use_case: str | None = None,
) -> GateReport:
    """Gate a data file into `out_dir`/{kept.jsonl, quarantine.jsonl, report.json}; returns the report.

    `stage` (sft, reward, cost, dpo) picks the policy and the data kind; `kind` alone (preference
    or sft) gates as dpo or sft. `progress` is called with the number of items done after each
    batch. `config` is the recipe's `safety` block (defaults when None); `classifiers` are already-built
    ones to reuse (a worker gating many shards loads them once); `use_case` fills records that name none.
    """
    from safety.classifiers import build_classifiers
    from toolkit.core.io import atomic_write_json, detect_format, iter_records, write_jsonl

    stage, kind = gate_stage_and_kind(stage, kind)
    if config is None:
        config = SafetyConfig()
    detect_format(input)  # a missing or unreadable input fails here, before anything is written
    items = iter_records(input, kind, use_case=use_case)
    if classifiers is None:
        classifiers = build_classifiers(config, cache_entries=STREAM_CACHE_ENTRIES) if config.enabled else []
    gate = Gate(stage, config, classifiers)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    # kept.jsonl streams through write_jsonl; quarantined lines wait in an unnamed temp file in the
    # same folder (bounded memory), then go to quarantine.jsonl the same atomic way.
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=out) as spool:

        def kept_records() -> Iterator[Any]:
            done = 0
            for decision in gate.run(items, batch_size):
                if decision.kept is not None:
                    yield decision.kept
                else:
                    assert decision.quarantined is not None
                    spool.write(json.dumps(decision.quarantined.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")
                done += 1
                if progress is not None and done % batch_size == 0:
                    progress(batch_size)
            if progress is not None and done % batch_size:
                progress(done % batch_size)

        write_jsonl(out / KEPT_FILE, kept_records())
        spool.seek(0)
        write_jsonl(out / QUARANTINE_FILE, (json.loads(line) for line in spool))
    report = gate.finish()
    atomic_write_json(out / REPORT_FILE, report.model_dump(mode="json"))
    return report


def write_gate_outputs(result: GateResult, out_dir: str | Path) -> None:
    """Write an in-memory GateResult as kept.jsonl, quarantine.jsonl and report.json (atomically)."""
    from toolkit.core.io import atomic_write_json, write_jsonl

    out = Path(out_dir)
    write_jsonl(out / KEPT_FILE, result.kept)
    write_jsonl(out / QUARANTINE_FILE, result.quarantined)
    if result.report is not None:
        atomic_write_json(out / REPORT_FILE, result.report.model_dump(mode="json"))


def split_lines(raw: str) -> list[str]:
    """Lines split on "\n" only (a trailing "\r" dropped): Unicode separators such as U+2028,
    U+0085 or a lone "\r" are characters of a text, not line ends. A final newline ends the
    last line rather than starting an empty one."""
    lines = raw.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_texts(path: str | Path) -> list[str]:
    """Texts for `toolkit safety classify --file`: one text per line, every line (a blank line is an
    empty text, so N lines give N results), or JSONL objects with a `text` field (a file whose first
    non-blank line is a JSON object is read as JSONL; there blank lines are skipped)."""
    return [text for text, _ in read_text_records(path)]


def read_text_records(path: str | Path) -> list[tuple[str, str | None]]:
    """(text, prompt) pairs: JSONL objects may carry a `prompt` for classifying a response in context."""
    shown = str(path)
    try:
        raw = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UserInputError(shown, "file not found") from None
    except IsADirectoryError:
        raise UserInputError(shown, "is a directory, not a file") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(shown, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    lines = split_lines(raw.removeprefix("\ufeff"))
    first = next((line for line in lines if line.strip()), "")
    if not first.lstrip().startswith("{"):
        return [(line, None) for line in lines]
    records: list[tuple[str, str | None]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{shown}:{number}", f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise UserInputError(f"{shown}:{number}: text", "expected a JSON object with a string `text` field")
        prompt = data.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise UserInputError(f"{shown}:{number}: prompt", "must be a string when given")
        records.append((data["text"], prompt))
    return records
