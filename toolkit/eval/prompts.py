"""Prompt sets and eval inputs: AdvBench/HarmBench/XSTest CSVs, JSONL prompt records, the run's data.

Eval data is not gated: a bad record in it is the user's error, reported with file and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit.core.errors import UserInputError
from toolkit.core.schema import PromptRecord
from toolkit.eval.base import SkipSuite, SuiteContext, cap_prompts

_PROMPT_COLUMNS = ("prompt", "goal", "behavior", "question", "text")
_CATEGORY_COLUMNS = ("category", "semanticcategory", "harm_category", "type")


def _column(data: Mapping[str, Any], names: Sequence[str]) -> Any:
    lowered = {str(key).strip().lower(): value for key, value in data.items()}
    return next((lowered[name] for name in names if lowered.get(name) not in (None, "")), None)


def read_prompt_set(path: str | Path, purpose: str, safe_only: bool = False) -> list[PromptRecord]:
    """Prompts from JSONL (PromptRecords, or {"text", "labels"} rows) or CSV (AdvBench `goal`,
    `prompt`, HarmBench `Behavior`, ...). With `safe_only` (over-refusal sets in XSTest format),
    rows labelled unsafe (`label` column) or of a `contrast_*` type are left out."""
    from pydantic import ValidationError

    from toolkit.core.io import RawFailure, iter_rows

    records: list[PromptRecord] = []
    for row in iter_rows(path):
        if isinstance(row, RawFailure):
            raise row.problem.as_error()
        where = f"{path}:{row.line}" if row.unit == "line" else f"{path}:row {row.line}"
        data = row.data
        if safe_only and not _is_safe_row(data):
            continue
        try:
            if "prompt" in data and set(data) <= set(PromptRecord.model_fields):
                record = PromptRecord.model_validate({"id": f"{purpose}-{row.line}", **data})
            else:
                text = _column(data, _PROMPT_COLUMNS)
                if not isinstance(text, str) or not text.strip():
                    raise UserInputError(
                        where, f"no prompt text (expected a column named one of {', '.join(_PROMPT_COLUMNS)})"
                    )
                labels = data.get("labels")
                category = (
                    labels[0] if isinstance(labels, list) and labels else _column(data, _CATEGORY_COLUMNS)
                )
                record = PromptRecord(
                    id=str(data.get("id") or f"{purpose}-{row.line}"), prompt=text, category=category
                )
        except ValidationError as exc:
            error = exc.errors()[0]
            raise UserInputError(f"{where}: {'.'.join(str(p) for p in error['loc'])}", error["msg"]) from None
        records.append(record)
    if not records:
        raise UserInputError(str(path), f"no {purpose} prompts in the file")
    return records


def _is_safe_row(data: Mapping[str, Any]) -> bool:
    label = _column(data, ("label",))
    if isinstance(label, str):
        return label.strip().lower() == "safe"
    kind = _column(data, ("type",))
    return not (isinstance(kind, str) and kind.strip().lower().startswith("contrast"))


def read_valid(path: Path, kind: str, fmt: str = "auto", split: str | None = None) -> list[Any]:
    """Every record of an eval input; a bad record is the user's error (eval data is not gated)."""
    from toolkit.core.io import read_records

    read = read_records(path, kind, fmt, split)
    if read.failures:
        raise read.failures[0].problem.as_error()
    return list(read.records)


def read_source(source: Any, kind: str) -> list[Any]:
    return read_valid(Path(source.path), kind, source.format, source.split)


def capped_prompt_set(
    context: SuiteContext, configured: str | None, default: Path, purpose: str, safe_only: bool = False
) -> list[PromptRecord]:
    """A suite's prompt file (the recipe's, else the shipped one), capped round-robin over categories."""
    path = Path(configured) if configured else default
    if not path.exists():
        raise SkipSuite(f"{purpose.replace('_', '-')} prompt set not found: {path}")
    records = read_prompt_set(path, purpose, safe_only=safe_only)
    return cap_prompts(records, context.limit, lambda r: r.category or "")
