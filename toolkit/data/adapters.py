"""Convert public preference datasets into PreferencePair JSONL, keeping their safety labels.

Sources: plain TRL preference files (`trl`: prompt/chosen/rejected, standard or conversational, or
the implicit-prompt form), Anthropic HH-RLHF transcripts, PKU-SafeRLHF rows (`--prefer safer|better`),
BeaverTails-style QA rows (`prompt, response, is_safe, category`: a safe and an unsafe response to the
same prompt become a pair), UltraFeedback-style binarized rows, and flat CSV.

Safety labels are the point of importing PKU-SafeRLHF and BeaverTails: per-response safety and harm
categories (mapped onto our taxonomy) become `labels`; everything the mapping cannot hold (the
original category names, both preference ids, severity levels, extra columns) goes into `meta`.
Every input row is either converted or reported with its line and the reason; the skipped rows are
also written verbatim next to the output (`<out>.skipped.jsonl`) so nothing is lost.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safety.taxonomy import map_external_category
from toolkit.core.errors import UserInputError
from toolkit.core.io import (
    DEFAULT_USE_CASE,
    Problem,
    RawFailure,
    RawRow,
    atomic_write_text,
    derived_id,
    iter_rows,
    validation_problems,
    with_derived_fields,
    write_jsonl,
)
from toolkit.core.schema import PreferencePair

SOURCES: tuple[str, ...] = ("trl", "hh-rlhf", "pku-saferlhf", "beavertails", "ultrafeedback", "csv")
PREFERENCES: tuple[str, ...] = ("safer", "better")

# BeaverTails' 14 harm categories onto the taxonomy (a row may carry several).
BEAVERTAILS_MAP: dict[str, str] = {
    "animal_abuse": "violent_crimes",
    "child_abuse": "child_sexual_exploitation",
    "controversial_topics,politics": "elections",
    "discrimination,stereotype,injustice": "hate",
    "drug_abuse,weapons,banned_substance": "non_violent_crimes",
    "financial_crime,property_crime,theft": "non_violent_crimes",
    "hate_speech,offensive_language": "toxicity",
    "misinformation_regarding_ethics,laws_and_safety": "specialized_advice",
    "non_violent_unethical_behavior": "non_violent_crimes",
    "privacy_violation": "privacy",
    "self_harm": "suicide_self_harm",
    "sexually_explicit,adult_content": "sexual_content",
    "terrorism,organized_crime": "violent_crimes",
    "violence,aiding_and_abetting,incitement": "violent_crimes",
}

_HH_TURN = re.compile(r"(?:^|\n\n)(Human|Assistant):[ \t]?")
_HH_ROLES = {"Human": "user", "Assistant": "assistant"}
_CATEGORY_SEPARATORS = re.compile(r"[;,|]")
_TRUE_WORDS = {"true", "1", "yes", "y", "t"}
_FALSE_WORDS = {"false", "0", "no", "n", "f"}


class _Skip(Exception):
    """A row that cannot be converted: which field and why."""

    def __init__(self, field_name: str, message: str):
        self.field_name = field_name
        self.message = message
        super().__init__(f"{field_name}: {message}")


@dataclass
class ConvertReport:
    """What a conversion did: counts add up (converted + skipped == input_rows); `pairs` records written."""

    source: str
    input_path: str
    out_path: str
    input_rows: int = 0
    converted: int = 0
    pairs: int = 0
    skipped: list[RawFailure] = field(default_factory=list)
    skipped_path: str | None = None

    @property
    def problems(self) -> list[Problem]:
        return [p for failure in self.skipped for p in failure.problems]


# ---------------------------------------------------------------- small coercions
def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if value is None:
        raise _Skip(name, "required field is missing")
    if not isinstance(value, str):
        raise _Skip(name, f"expected text, got {type(value).__name__}")
    return value


def _bool(data: dict[str, Any], name: str) -> bool | None:
    value = data.get(name)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.strip().lower() in _TRUE_WORDS
    raise _Skip(name, f"expected true or false, got {value!r}")


def _response_index(data: dict[str, Any], name: str, required: bool) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise _Skip(name, "required field is missing")
        return None
    try:
        index = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        index = -1
    if index not in (0, 1):
        raise _Skip(name, f"expected 0 or 1, got {value!r}")
    return index


def _json_value(data: dict[str, Any], name: str) -> Any:
    value = data.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise _Skip(name, f"cell is not valid JSON: {exc.msg}") from None
    return value


def _turns(value: Any) -> Any:
    """Plain text stays text; a cell holding a JSON message list becomes that list."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return value
        if isinstance(decoded, list):
            return decoded
    return value


def _taxonomy_ids(names: list[str], field_name: str, strict: bool) -> tuple[list[str], list[str]]:
    """Taxonomy ids for external category names (order kept, no repeats) and the names that did not map."""
    ids: list[str] = []
    unmapped: list[str] = []
    for name in names:
        found = map_external_category(name)
        if found is None:
            if strict:
                raise _Skip(field_name, f"unknown harm category {name!r}")
            unmapped.append(name)
        elif found not in ids:
            ids.append(found)
    return ids, unmapped


# ---------------------------------------------------------------- hh-rlhf
def _hh_dialogue(text: str, field_name: str) -> list[dict[str, str]]:
    parts = _HH_TURN.split(text)
    if parts[0].strip():
        raise _Skip(field_name, "text before the first 'Human:' turn")
    turns = [
        {"role": _HH_ROLES[role], "content": content.strip()}
        for role, content in zip(parts[1::2], parts[2::2], strict=True)
    ]
    if not turns:
        raise _Skip(field_name, "no 'Human:' / 'Assistant:' turns found")
    if turns[-1]["role"] != "assistant":
        raise _Skip(field_name, "the dialogue does not end with an assistant reply")
    return turns


def _from_hh(data: dict[str, Any], ordinal: int, use_case: str | None) -> tuple[dict[str, Any], set[str]]:
    chosen = _hh_dialogue(_text(data, "chosen"), "chosen")
    rejected = _hh_dialogue(_text(data, "rejected"), "rejected")
    prompt = chosen[:-1]
    if rejected[:-1] != prompt:
        raise _Skip(
            "rejected", "chosen and rejected differ before the final assistant reply (no shared prompt)"
        )
    if not prompt:
        raise _Skip("chosen", "no prompt: the dialogue is only an assistant reply")
    record = {
        "id": str(data.get("id") or f"hh-{ordinal:06d}"),
        "use_case": use_case or DEFAULT_USE_CASE,
        "prompt": prompt,
        "chosen": chosen[-1:],
        "rejected": rejected[-1:],
        "source": "human",
        "meta": {"origin": "hh-rlhf"},
    }
    return record, {"id", "chosen", "rejected"}


# ---------------------------------------------------------------- pku-saferlhf
def _flagged(data: dict[str, Any], name: str) -> list[str]:
    value = _json_value(data, name)
    if value is None:
        return []
    if not isinstance(value, dict):
        raise _Skip(name, f"expected a mapping of category name to true/false, got {type(value).__name__}")
    return [str(category) for category, on in value.items() if _bool({name: on}, name)]


def _from_pku(data: dict[str, Any], ordinal: int, use_case: str | None, prefer: str = "safer") -> tuple[dict[str, Any], set[str]]:
    """One PKU-SafeRLHF row. `prefer` picks the order: `safer` (safety preference, the default for
    DPO) or `better` (helpfulness). The other preference stays in `labels.better` / meta, and both
    answers keep their own safety label, so reward and cost models can each use theirs (Safe-RLHF)."""
    responses = [_text(data, "response_0"), _text(data, "response_1")]
    better = _response_index(data, "better_response_id", required=True)
    assert better is not None
    safer = _response_index(data, "safer_response_id", required=False)
    preferred_by = prefer
    if prefer == "safer" and safer is None:
        preferred_by = "better (the row has no safer_response_id)"
    chosen_index = safer if prefer == "safer" and safer is not None else better
    other = 1 - chosen_index
    safe = [_bool(data, "is_response_0_safe"), _bool(data, "is_response_1_safe")]
    flagged = [_flagged(data, "response_0_harm_category"), _flagged(data, "response_1_harm_category")]
    all_flagged = list(dict.fromkeys(flagged[0] + flagged[1]))
    harm_ids, unmapped = _taxonomy_ids(all_flagged, "response_harm_category", strict=False)
    meta: dict[str, Any] = {
        "origin": "pku-saferlhf",
        "preferred_by": preferred_by,
        "chosen_response_id": chosen_index,
        "better_response_id": better,
        "safer_response_id": safer,
        "pku_harm_categories": {"response_0": flagged[0], "response_1": flagged[1]},
        "severity_levels": {
            "response_0": data.get("response_0_severity_level"),
            "response_1": data.get("response_1_severity_level"),
        },
    }
    if unmapped:
        meta["unmapped_harm_categories"] = unmapped
    record = {
        "id": str(data.get("id") or f"pku-{ordinal:06d}"),
        "use_case": use_case or DEFAULT_USE_CASE,
        "prompt": _text(data, "prompt"),
        "chosen": responses[chosen_index],
        "rejected": responses[other],
        "labels": {
            "chosen_safe": safe[chosen_index],
            "rejected_safe": safe[other],
            "harm_categories": harm_ids,
            "better": "chosen" if better == chosen_index else "rejected",
        },
        "source": "human",
        "meta": meta,
    }
    consumed = {
        "id", "prompt", "response_0", "response_1", "better_response_id", "safer_response_id",
        "is_response_0_safe", "is_response_1_safe", "response_0_harm_category", "response_1_harm_category",
        "response_0_severity_level", "response_1_severity_level",
    }  # fmt: skip
    return record, consumed


# ---------------------------------------------------------------- plain TRL files, UltraFeedback
def _from_trl(data: dict[str, Any], ordinal: int, use_case: str | None, stem: str = "trl") -> tuple[dict[str, Any], set[str]]:
    """A TRL preference row as it is (standard or conversational, explicit or implicit prompt)."""
    for name in ("chosen", "rejected"):
        if data.get(name) is None:
            raise _Skip(name, "required field is missing")
    record = with_derived_fields({k: _turns(v) if k in ("prompt", "chosen", "rejected") else v for k, v in data.items()}, "preference", stem, use_case)
    if "prompt" not in record:
        raise _Skip("prompt", "required field is missing (and chosen/rejected share no leading messages)")
    known = set(PreferencePair.model_fields)
    extras = {k: v for k, v in record.items() if k not in known}
    record = {k: v for k, v in record.items() if k in known}
    if extras:
        record.setdefault("meta", {}).update(extras)
    return record, set(data)


def _from_ultrafeedback(data: dict[str, Any], ordinal: int, use_case: str | None) -> tuple[dict[str, Any], set[str]]:
    """An UltraFeedback-binarized row: chosen/rejected are whole conversations; scores become the margin."""
    chosen, rejected = _turns(data.get("chosen")), _turns(data.get("rejected"))
    for name, value in (("chosen", chosen), ("rejected", rejected)):
        if value is None:
            raise _Skip(name, "required field is missing")
    prompt: Any = data.get("prompt")
    if isinstance(chosen, list) and isinstance(rejected, list):
        if not chosen or chosen[-1].get("role") != "assistant" or not rejected or rejected[-1].get("role") != "assistant":
            raise _Skip("chosen", "expected a conversation ending with the assistant's answer")
        if chosen[:-1] != rejected[:-1]:
            raise _Skip("rejected", "chosen and rejected differ before the final assistant reply (no shared prompt)")
        prompt = chosen[:-1] or prompt
        chosen, rejected = chosen[-1:], rejected[-1:]
    if prompt is None:
        raise _Skip("prompt", "required field is missing")
    scores = (data.get("score_chosen"), data.get("score_rejected"))
    record: dict[str, Any] = {
        "id": str(data.get("id") or derived_id("uf", {"prompt": prompt, "chosen": chosen, "rejected": rejected})),
        "use_case": use_case or DEFAULT_USE_CASE,
        "prompt": prompt,
        "chosen": chosen,
        "rejected": rejected,
        "source": "synthetic",
        "meta": {"origin": "ultrafeedback", "prompt_id": data.get("prompt_id"), "score_chosen": scores[0], "score_rejected": scores[1]},
    }
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scores):
        record["margin"] = float(scores[0]) - float(scores[1])  # type: ignore[operator]
    return record, {"id", "prompt", "chosen", "rejected", "messages", "prompt_id", "score_chosen", "score_rejected"}


# ---------------------------------------------------------------- beavertails
def _beavertails_categories(data: dict[str, Any]) -> list[str]:
    value = _json_value(data, "category")
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(name) for name, on in value.items() if _bool({"category": on}, "category")]
    if isinstance(value, list):
        return [str(name) for name in value]
    if isinstance(value, str):
        return [value]
    raise _Skip("category", f"expected a mapping of category name to true/false, got {type(value).__name__}")


def _beavertails_ids(names: list[str]) -> tuple[list[str], list[str]]:
    ids: list[str] = []
    unmapped: list[str] = []
    for name in names:
        found = BEAVERTAILS_MAP.get(name) or map_external_category(name)
        if found is None:
            unmapped.append(name)
        elif found not in ids:
            ids.append(found)
    return ids, unmapped


def _beavertails_pairs(
    rows: list[tuple[int, RawRow]], use_case: str | None, shown: str
) -> tuple[list[tuple[dict[str, Any], RawRow]], list[RawFailure]]:
    """Pair a safe and an unsafe response to the same prompt (in file order, each row used once).

    Rows with no response of the opposite safety to the same prompt are reported, not dropped silently."""
    parsed: dict[str, dict[bool, list[tuple[int, RawRow, str, list[str]]]]] = {}
    failures: list[RawFailure] = []
    for ordinal, row in rows:
        try:
            prompt = _text(row.data, "prompt")
            response = _text(row.data, "response")
            is_safe = _bool(row.data, "is_safe")
            if is_safe is None:
                raise _Skip("is_safe", "required field is missing")
            categories = _beavertails_categories(row.data)
        except _Skip as skip:
            failures.append(RawFailure(row.line, row.raw, Problem(shown, row.line, skip.field_name, skip.message, row.unit)))
            continue
        parsed.setdefault(prompt, {True: [], False: []})[is_safe].append((ordinal, row, response, categories))
    records: list[tuple[dict[str, Any], RawRow]] = []
    for prompt, groups in parsed.items():
        safe_rows, unsafe_rows = groups[True], groups[False]
        for (s_ord, s_row, safe_text, _), (u_ord, u_row, unsafe_text, names) in zip(safe_rows, unsafe_rows, strict=False):
            harm_ids, unmapped = _beavertails_ids(names)
            meta: dict[str, Any] = {"origin": "beavertails", "rows": [s_row.line or s_ord, u_row.line or u_ord], "beavertails_categories": names}
            if unmapped:
                meta["unmapped_harm_categories"] = unmapped
            records.append((
                {
                    "id": str(u_row.data.get("id") or f"bt-{u_ord:06d}"),
                    "use_case": use_case or DEFAULT_USE_CASE,
                    "prompt": prompt,
                    "chosen": safe_text,
                    "rejected": unsafe_text,
                    "labels": {"chosen_safe": True, "rejected_safe": False, "harm_categories": harm_ids, "prompt_harmful": True},
                    "source": "human",
                    "meta": meta,
                },
                u_row,
            ))
        paired = min(len(safe_rows), len(unsafe_rows))
        for _, row, _, _ in [*safe_rows[paired:], *unsafe_rows[paired:]]:
            failures.append(
                RawFailure(row.line, row.raw, Problem(shown, row.line, "is_safe", "no response of the opposite safety to the same prompt to pair with", row.unit))
            )
    return records, failures


# ---------------------------------------------------------------- flat csv columns
def _category_names(data: dict[str, Any]) -> list[str]:
    value = data.get("harm_categories")
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            value = _json_value(data, "harm_categories")
        else:
            return [part.strip() for part in _CATEGORY_SEPARATORS.split(stripped) if part.strip()]
    if not isinstance(value, list):
        raise _Skip("harm_categories", f"expected a list of categories, got {type(value).__name__}")
    return [str(name) for name in value]


def _from_csv(data: dict[str, Any], ordinal: int, use_case: str | None) -> tuple[dict[str, Any], set[str]]:
    for name in ("prompt", "chosen", "rejected"):
        if data.get(name) is None:
            raise _Skip(name, "required field is missing")
    record: dict[str, Any] = {
        "id": str(data.get("id") or f"csv-{ordinal:06d}"),
        "use_case": data.get("use_case") or use_case or DEFAULT_USE_CASE,
        "prompt": _turns(data["prompt"]),
        "chosen": _turns(data["chosen"]),
        "rejected": _turns(data["rejected"]),
    }
    if data.get("annotator_id") is not None:
        record["annotator"] = {"id": str(data["annotator_id"]), "expertise": data.get("annotator_expertise")}
    for name in ("rationale", "margin", "source", "created_at"):
        if data.get(name) is not None:
            record[name] = data[name]
    harm_ids, _ = _taxonomy_ids(_category_names(data), "harm_categories", strict=True)
    if any(data.get(name) is not None for name in ("chosen_safe", "rejected_safe")) or harm_ids:
        record["labels"] = {
            "chosen_safe": _bool(data, "chosen_safe"),
            "rejected_safe": _bool(data, "rejected_safe"),
            "harm_categories": harm_ids,
        }
    consumed = {
        "id", "use_case", "prompt", "chosen", "rejected", "annotator_id", "annotator_expertise",
        "rationale", "margin", "source", "created_at", "chosen_safe", "rejected_safe", "harm_categories",
    }  # fmt: skip
    return record, consumed


_CONVERTERS: dict[str, Callable[..., tuple[dict[str, Any], set[str]]]] = {
    "trl": _from_trl,
    "hh-rlhf": _from_hh,
    "pku-saferlhf": _from_pku,
    "ultrafeedback": _from_ultrafeedback,
    "csv": _from_csv,
}


# ---------------------------------------------------------------- driver
def skipped_path(out: Path) -> Path:
    """Where `data convert` keeps the rows it could not convert: OUT.skipped.jsonl next to OUT."""
    return out.with_name(f"{out.stem}.skipped.jsonl")


def _convert_row(
    row: RawRow, ordinal: int, source: str, use_case: str | None, shown: str, options: dict[str, Any]
) -> PreferencePair | RawFailure:
    try:
        data, consumed = _CONVERTERS[source](row.data, ordinal, use_case, **options)
    except _Skip as skip:
        return RawFailure(
            row.line, row.raw, Problem(shown, row.line, skip.field_name, skip.message, row.unit)
        )
    return _validated(data, consumed, row, shown)


def _validated(data: dict[str, Any], consumed: set[str], row: RawRow, shown: str) -> PreferencePair | RawFailure:
    extras = {name: value for name, value in row.data.items() if name not in consumed}
    if extras:  # columns we do not model are kept, not dropped
        data.setdefault("meta", {}).update(extras)
    try:
        return PreferencePair.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, data, shown, row)
        return RawFailure(row.line, row.raw, problems[0], problems[1:])


def convert_file(
    path: str | Path,
    source: str,
    out: str | Path,
    use_case: str | None = None,
    fmt: str = "auto",
    prefer: str = "safer",
) -> ConvertReport:
    """Convert a JSONL / Parquet / CSV file from `source` into PreferencePair JSONL at `out`.

    Ids are kept when the input has an `id` column, else generated from the row's position
    (`hh-000042`) or, for plain TRL files, from the file name and the row's content, so converting
    the same file twice gives the same ids. `prefer` orders PKU-SafeRLHF pairs (safer or better).
    BeaverTails rows become one pair per safe + unsafe response to the same prompt, so there
    `converted` counts the rows used (two per pair) and `pairs` the records written.
    """
    if source not in SOURCES:
        raise UserInputError("--from", f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if prefer not in PREFERENCES:
        raise UserInputError("--prefer", f"unknown preference {prefer!r}; use one of {', '.join(PREFERENCES)}")
    shown = str(path)
    out_path = Path(out)
    report = ConvertReport(source=source, input_path=shown, out_path=str(out_path))
    rows = iter_rows(path, fmt)  # raises "file not found" before any output is written
    seen_ids: set[str] = set()
    options: dict[str, Any] = {}
    if source == "pku-saferlhf":
        options["prefer"] = prefer
    if source == "trl":
        options["stem"] = Path(shown.rstrip("/")).stem or "trl"

    def unique(result: PreferencePair | RawFailure, row: RawRow | RawFailure) -> PreferencePair | RawFailure:
        if isinstance(result, PreferencePair) and result.id in seen_ids:
            return RawFailure(row.line, row.raw, Problem(shown, row.line, "id", f"duplicate id {result.id!r}", getattr(row, "unit", "line")))
        return result

    def converted() -> Iterator[PreferencePair]:
        if source == "beavertails":
            good: list[tuple[int, RawRow]] = []
            for ordinal, row in enumerate(rows, start=1):
                report.input_rows += 1
                if isinstance(row, RawFailure):
                    report.skipped.append(row)
                else:
                    good.append((ordinal, row))
            records, failures = _beavertails_pairs(good, use_case, shown)
            report.skipped.extend(failures)
            for data, row in records:
                result = unique(_validated(data, {"prompt", "response", "is_safe", "category", "id"}, row, shown), row)
                if isinstance(result, RawFailure):
                    report.skipped.append(result)
                    continue
                seen_ids.add(result.id)
                report.converted += 2
                report.pairs += 1
                yield result
            return
        for ordinal, row in enumerate(rows, start=1):
            report.input_rows += 1
            result = row if isinstance(row, RawFailure) else _convert_row(row, ordinal, source, use_case, shown, options)
            result = unique(result, row)
            if isinstance(result, RawFailure):
                report.skipped.append(result)
                continue
            seen_ids.add(result.id)
            report.converted += 1
            report.pairs += 1
            yield result

    write_jsonl(out_path, converted())
    if report.skipped:
        skipped = skipped_path(out_path)
        lines = [
            json.dumps(
                {
                    "line": f.line, "problems": [str(p) for p in f.problems], "raw": f.raw,
                    **({"raw_base64": base64.b64encode(f.raw_bytes).decode("ascii")} if f.raw_bytes is not None else {}),
                },
                ensure_ascii=False,
            )
            for f in report.skipped
        ]
        atomic_write_text(skipped, "\n".join(lines) + "\n")
        report.skipped_path = str(skipped)
    return report
