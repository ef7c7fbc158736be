"""Read and validate records from JSONL, CSV, Parquet and Hugging Face datasets; write atomically.

Reading streams (bounded memory on large JSONL) and never stops at the first bad record: each
record that cannot be parsed or validated comes back as a RawFailure with its raw text and a
Problem naming file, line and field, so `toolkit data validate` lists every problem and the safety
gate can quarantine the record verbatim. Line numbers are the 1-based physical line in the file
(CSV: the line the row starts on); Parquet and Hugging Face datasets have rows (index + 1) instead.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from toolkit.core.errors import UserInputError
from toolkit.core.schema import Record, record_type

Format = Literal["auto", "jsonl", "csv", "parquet", "hf"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "csv", "parquet", "hf")

_SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Fields whose CSV/Parquet cells may hold JSON text (message lists, objects, lists).
_JSON_FIELDS = {"messages", "annotator", "labels", "meta", "contexts"}
# Fields that are plain text or a JSON message list.
_TURN_FIELDS = {"prompt", "chosen", "rejected"}

_UNION_BRANCHES = {"str", "list[Message]"}
_MODEL_LEVEL_FIELDS = {"chosen is identical to rejected": "rejected"}
_PARQUET_BATCH_ROWS = 1024
# No record nests deeper; deeper input is a failure of its own, not a RecursionError later.
MAX_NESTING = 64


# ---------------------------------------------------------------- problems
@dataclass
class Problem:
    """One thing wrong with one record; `str()` gives `path:line: field: message`.

    `unit` is "line" for text files and "row" for Parquet / Hugging Face datasets, which have rows
    rather than lines; there the location reads `path:row 3`.
    """

    path: str
    line: int | None
    field: str
    message: str
    unit: Literal["line", "row"] = "line"

    @property
    def where(self) -> str:
        """`path:line` (or `path:row N`, or `path` when the line is unknown): UserInputError's `where`."""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}" if self.unit == "line" else f"{self.path}:row {self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"

    def as_error(self) -> UserInputError:
        return UserInputError(f"{self.where}: {self.field}", self.message)


@dataclass
class RawFailure:
    """A record that could not be parsed or validated, with its raw text for verbatim quarantine.

    `problem` is the first problem; `more` holds the record's other problems (every bad field is
    reported, not only the first).
    """

    line: int | None
    raw: str
    problem: Problem
    more: list[Problem] = field(default_factory=list)
    raw_bytes: bytes | None = None  # the line as read, when it was not valid UTF-8 (`raw` is then lossy)

    @property
    def problems(self) -> list[Problem]:
        return [self.problem, *self.more]


@dataclass
class RawRow:
    """One parsed input object before validation: where it came from, its raw text and its data."""

    line: int | None
    raw: str
    data: dict[str, Any]
    unit: Literal["line", "row"] = "line"


@dataclass
class ReadResult:
    """Everything read from one file: valid records and failures, in file order each."""

    records: list[Any]
    failures: list[RawFailure]

    @property
    def problems(self) -> list[Problem]:
        return [p for failure in self.failures for p in failure.problems]

    @property
    def total(self) -> int:
        return len(self.records) + len(self.failures)


# ---------------------------------------------------------------- format detection
def _looks_like_hub_id(value: str) -> bool:
    parts = value.split("/")
    return len(parts) == 2 and all(parts) and not value.startswith((".", "~")) and "." not in parts[0]


def detect_format(path: str | Path, fmt: str = "auto") -> str:
    """The concrete format of `path`; a missing local file is a UserInputError("file not found")."""
    if fmt not in FORMATS:
        raise UserInputError("--format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    text = str(path)
    local = Path(path).expanduser()
    if fmt == "hf":
        return "hf"
    if not local.exists():
        if fmt == "auto" and _looks_like_hub_id(text):
            return "hf"
        raise UserInputError(text, "file not found")
    if fmt != "auto":
        return fmt
    if local.is_dir():
        return "hf"
    found = _SUFFIX_FORMATS.get(local.suffix.lower())
    if found is None:
        raise UserInputError(
            text,
            f"cannot tell the format from the extension {local.suffix!r}; pass a format (jsonl, csv, parquet, hf)",
        )
    return found


def check_data_file(path: str | Path, fmt: str = "auto", field: str = "path") -> str:
    """Before a run reads it: the data exists, is a readable file (or saved dataset) of a known format,
    and holds something. Returns the concrete format; every problem is one UserInputError."""
    where = f"{path}: {field}"
    local = Path(path).expanduser()
    if local.is_symlink() and not local.exists():
        raise UserInputError(where, "a broken symlink or a symlink loop")
    try:
        concrete = detect_format(path, fmt)
    except UserInputError as exc:
        raise UserInputError(where, exc.message) from None
    if concrete == "hf":
        if local.exists() and not local.is_dir():
            raise UserInputError(where, "format hf needs a folder saved with save_to_disk (or a hub id)")
        saved = ("state.json", "dataset_dict.json", "dataset_info.json")
        if local.is_dir() and not any((local / name).exists() for name in saved):
            raise UserInputError(where, "a folder, but not a dataset saved with save_to_disk; give a data file")
        return concrete
    if not local.is_file():
        raise UserInputError(where, f"not a regular file (a {concrete} file is expected)")
    try:
        with local.open("rb") as handle:
            head = handle.read(1 << 16)
            while head and not head.strip(b" \t\r\n\xef\xbb\xbf"):  # blank lines and a BOM are not records
                head = handle.read(1 << 16)
    except OSError as exc:
        raise UserInputError(where, f"cannot read: {exc.strerror or exc}") from None
    if not head:
        raise UserInputError(where, "the file is empty (no records)")
    return concrete


# ---------------------------------------------------------------- raw rows
def _failure(
    path: str, line: int | None, raw: str, field_name: str, message: str, unit: str = "line"
) -> RawFailure:
    return RawFailure(line, raw, Problem(path, line, field_name, message, unit))  # type: ignore[arg-type]


def _decode(data: bytes, first: bool) -> tuple[str, bool]:
    """Decode one line as UTF-8 (dropping a BOM at the start of the file); bad bytes become U+FFFD
    (the caller keeps the raw bytes, so nothing is lost)."""
    if first and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), False


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """How deeply lists and objects nest in `value` (iterative; stops counting past `limit`)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _parse_json_text(text: str) -> Any:
    """json.loads that refuses (ValueError) input nested deeper than MAX_NESTING, never a RecursionError,
    and text that is not Unicode (a lone surrogate escape such as \\ud800, which no UTF-8 file can hold)."""
    if text.count("[") + text.count("{") > MAX_NESTING:
        try:
            value = json.loads(text)
        except RecursionError:
            raise ValueError(f"nested deeper than {MAX_NESTING} levels") from None
        if nesting_depth(value) > MAX_NESTING:
            raise ValueError(f"nested deeper than {MAX_NESTING} levels")
    else:
        value = json.loads(text)
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a \\ud800-\\udfff escape without its pair: not valid Unicode text") from None
    return value


def _non_utf8_message(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    return "not valid UTF-8"


def _json_type_name(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _iter_jsonl(path: Path, shown: str) -> Iterator[RawRow | RawFailure]:
    with path.open("rb") as handle:
        for number, data in enumerate(handle, start=1):
            text, ok = _decode(data, number == 1)
            raw = text.rstrip("\r\n")
            if not ok:
                line_bytes = data.removeprefix(b"\xef\xbb\xbf") if number == 1 else data
                failure = _failure(shown, number, raw, "(line)", _non_utf8_message(line_bytes))
                failure.raw_bytes = line_bytes.rstrip(b"\r\n")
                yield failure
                continue
            if not raw.strip():
                continue
            try:
                value = _parse_json_text(raw)
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(raw.rstrip()) or exc.msg.startswith("Unterminated string")
                what = "truncated JSON" if truncated else "invalid JSON"
                yield _failure(
                    shown,
                    number,
                    raw,
                    "(line)",
                    f"{what}: {exc.msg.removesuffix(' at')} at column {exc.colno}",
                )
                continue
            except ValueError as exc:  # nested too deeply
                yield _failure(shown, number, raw, "(line)", str(exc))
                continue
            if not isinstance(value, dict):
                yield _failure(
                    shown, number, raw, "(line)", f"expected a JSON object, got {_json_type_name(value)}"
                )
                continue
            yield RawRow(number, raw, value)


def _iter_csv(path: Path, shown: str) -> Iterator[RawRow | RawFailure]:
    """CSV rows keyed by the header; a row's line is the physical line it starts on."""
    consumed: list[str] = []
    consumed_bytes: list[bytes] = []
    bad_lines: dict[int, str] = {}
    counter = {"line": 0}

    def lines() -> Iterator[str]:
        with path.open("rb") as handle:
            for number, data in enumerate(handle, start=1):
                counter["line"] = number
                text, ok = _decode(data, number == 1)
                if not ok:
                    bad_lines[number] = _non_utf8_message(data)
                consumed.append(text)
                consumed_bytes.append(data)
                yield text

    reader = csv.reader(lines())
    header: list[str] | None = None
    start = 1
    try:
        for cells in reader:
            raw = "".join(consumed).rstrip("\r\n")
            raw_bytes = b"".join(consumed_bytes).rstrip(b"\r\n")
            row_lines = range(start, reader.line_num + 1)
            consumed.clear()
            consumed_bytes.clear()
            row_start, start = start, reader.line_num + 1
            bad = next((bad_lines[n] for n in row_lines if n in bad_lines), None)
            if bad is not None:
                failure = _failure(shown, row_start, raw, "(row)", bad)
                failure.raw_bytes = raw_bytes
                yield failure
                continue
            if not cells or all(not cell.strip() for cell in cells):
                continue
            if header is None:
                header = [name.strip() for name in cells]
                continue
            if len(cells) > len(header):
                yield _failure(
                    shown,
                    row_start,
                    raw,
                    "(row)",
                    f"{len(cells)} cells but the header has {len(header)} columns",
                )
                continue
            yield RawRow(
                row_start,
                raw,
                {name: value for name, value in zip(header, cells, strict=False) if value.strip() != ""},
            )
    except csv.Error as exc:
        raise UserInputError(f"{shown}:{counter['line']}", f"cannot parse CSV: {exc}") from None


def _row_data(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None and value != ""}


def _row_raw(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)


def _iter_parquet(path: Path, shown: str) -> Iterator[RawRow | RawFailure]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise UserInputError(shown, f"cannot read Parquet: {exc}") from None
    index = 0
    for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
        for row in batch.to_pylist():
            index += 1
            yield RawRow(index, _row_raw(row), _row_data(row), "row")


def _load_hf(path: str, split: str | None) -> Any:
    import datasets

    local = Path(path).expanduser()
    if local.exists():
        try:
            loaded = datasets.load_from_disk(str(local))
        except Exception as exc:  # not a save_to_disk folder
            raise UserInputError(path, f"not a dataset saved with save_to_disk: {exc}") from None
    else:
        if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
            raise UserInputError(
                path,
                "not a local file or folder, and hub datasets cannot be downloaded offline (HF_HUB_OFFLINE=1)",
            )
        try:
            loaded = datasets.load_dataset(path, split=split)
        except Exception as exc:  # network, missing dataset, missing split: all user-facing
            raise UserInputError(
                path, f"cannot load the hub dataset (offline, or no such dataset/split?): {exc}"
            ) from None
    if isinstance(loaded, datasets.DatasetDict):
        names = list(loaded)
        if split is None:
            if len(names) == 1:
                split = names[0]
            elif "train" in loaded:
                split = "train"
        if split not in loaded:
            raise UserInputError(path, f"choose a split with --split; this dataset has: {', '.join(names)}")
        loaded = loaded[split]
    return loaded


def _iter_hf(path: str, split: str | None) -> Iterator[RawRow | RawFailure]:
    dataset = _load_hf(path, split)
    for index, row in enumerate(dataset, start=1):
        yield RawRow(index, _row_raw(row), _row_data(dict(row)), "row")


def iter_rows(path: str | Path, fmt: str = "auto", split: str | None = None) -> Iterator[RawRow | RawFailure]:
    """Raw input objects (before any schema), in file order; unparsable lines come as RawFailure.

    CSV cells are strings (empty cells are left out); Parquet / dataset rows keep their types
    (null values are left out). Adapters read foreign datasets through this.
    """
    concrete = detect_format(path, fmt)
    shown = str(path)
    if concrete == "jsonl":
        return _iter_jsonl(Path(path), shown)
    if concrete == "csv":
        return _iter_csv(Path(path), shown)
    if concrete == "parquet":
        return _iter_parquet(Path(path), shown)
    return _iter_hf(shown, split)


# ---------------------------------------------------------------- validation
def _parse_cells(data: dict[str, Any], shown: str, row: RawRow) -> tuple[dict[str, Any], list[Problem]]:
    """Tabular rows carry nested fields as JSON text in cells; decode those that should be JSON."""
    parsed = dict(data)
    problems: list[Problem] = []
    for name, value in data.items():
        if not isinstance(value, str):
            continue
        stripped = value.strip()
        if name in _JSON_FIELDS:
            try:
                parsed[name] = _parse_json_text(stripped)
            except json.JSONDecodeError as exc:
                problems.append(
                    Problem(shown, row.line, name, f"cell is not valid JSON: {exc.msg}", row.unit)
                )
            except ValueError as exc:  # nested too deeply
                problems.append(Problem(shown, row.line, name, f"cell is {exc}", row.unit))
        elif name in _TURN_FIELDS and stripped.startswith("["):
            try:
                decoded = _parse_json_text(stripped)
            except ValueError:
                continue  # plain text that happens to start with "[" (or nests absurdly deep)
            if isinstance(decoded, list):
                parsed[name] = decoded
    return parsed, problems


def _lookup(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "(record)"


def _message(error: dict[str, Any], field_loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "literal_error" and field_loc and field_loc[-1] == "role":
        return f"unknown role {error.get('input')!r}; use system, user or assistant"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def validation_problems(exc: ValidationError, data: dict[str, Any], shown: str, row: RawRow) -> list[Problem]:
    """Pydantic's errors as Problems with readable field names (`chosen[0].role`).

    Prompt/chosen/rejected are `str | list[Message]`: pydantic reports a failure in both union
    branches; keep the branch that matches the input's type, or say what both accept.
    """
    problems: list[Problem] = []
    seen_union_fields: set[tuple[Any, ...]] = set()
    for error in exc.errors():
        loc = tuple(error["loc"])
        branch_at = next((i for i, part in enumerate(loc) if part in _UNION_BRANCHES), None)
        if branch_at is not None:
            prefix, branch = loc[:branch_at], loc[branch_at]
            value = _lookup(data, prefix)
            if isinstance(value, list) and branch != "list[Message]":
                continue
            if isinstance(value, str) and branch != "str":
                continue
            if not isinstance(value, (list, str)):
                if prefix in seen_union_fields:
                    continue
                seen_union_fields.add(prefix)
                problems.append(
                    Problem(
                        shown,
                        row.line,
                        _field_name(prefix),
                        f"expected text or a list of messages, got {_json_type_name(value)}",
                        row.unit,
                    )
                )
                continue
            loc = prefix + loc[branch_at + 1 :]
        message = _message(error, loc)
        field_name = _field_name(loc) if loc else _MODEL_LEVEL_FIELDS.get(message, "(record)")
        problems.append(Problem(shown, row.line, field_name, message, row.unit))
    return problems


# ---------------------------------------------------------------- TRL's plain formats, as they are
DEFAULT_USE_CASE = "general"


def derived_id(stem: str, data: dict[str, Any]) -> str:
    """A stable id for a row that has none: the file's stem and a hash of the row's content."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return f"{stem}-{digest[:12]}"


def _common_prefix(chosen: list[Any], rejected: list[Any]) -> int:
    count = 0
    for a, b in zip(chosen, rejected, strict=False):
        if a != b:
            break
        count += 1
    return count


def with_derived_fields(data: dict[str, Any], kind: str, stem: str, use_case: str | None) -> dict[str, Any]:
    """Fill what TRL's dataset formats do not carry, so any file `trl dpo` / `trl sft` reads works here.

    - `id`: from the file stem and a content hash (stable across runs and reorderings);
    - `use_case`: the recipe's, else `general`;
    - preference rows in TRL's implicit-prompt form (`chosen` / `rejected` full conversations, no
      `prompt`): the shared leading messages become the prompt;
    - SFT rows in TRL's prompt-completion form become `messages`.
    Rows that already have these fields are returned unchanged.
    """
    if kind not in ("preference", "sft", "prompt") or not isinstance(data, dict):
        return data
    filled = dict(data)
    if kind == "preference" and "prompt" not in filled:
        chosen, rejected = filled.get("chosen"), filled.get("rejected")
        if isinstance(chosen, list) and isinstance(rejected, list):
            shared = _common_prefix(chosen, rejected)
            if 0 < shared < min(len(chosen), len(rejected)):
                filled["prompt"], filled["chosen"], filled["rejected"] = chosen[:shared], chosen[shared:], rejected[shared:]
    if kind == "sft" and "messages" not in filled and "prompt" in filled and "completion" in filled:
        prompt, completion = filled.pop("prompt"), filled.pop("completion")
        prompt = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        completion = [{"role": "assistant", "content": completion}] if isinstance(completion, str) else completion
        if isinstance(prompt, list) and isinstance(completion, list):
            filled["messages"] = [*prompt, *completion]
    if "id" not in filled:
        filled["id"] = derived_id(stem, data)
    if "use_case" not in filled:
        filled["use_case"] = use_case or DEFAULT_USE_CASE
    return filled


def iter_records(
    path: str | Path, kind: str, fmt: str = "auto", split: str | None = None, use_case: str | None = None
) -> Iterator[Record | RawFailure]:
    """Validated records and failures in file order, streaming; a repeated id fails its second occurrence.

    Rows in TRL's plain formats (no `id`, no `use_case`) get them derived (`with_derived_fields`)."""
    model = record_type(kind)
    concrete = detect_format(path, fmt)
    shown = str(path)
    stem = Path(str(path).rstrip("/")).stem or "row"
    seen_ids: set[str] = set()  # ids only, so memory stays small on very large files
    tabular = concrete != "jsonl"
    for row in iter_rows(path, concrete, split):
        if isinstance(row, RawFailure):
            yield row
            continue
        data, cell_problems = _parse_cells(row.data, shown, row) if tabular else (row.data, [])
        data = with_derived_fields(data, kind, stem, use_case)
        problems = list(cell_problems)
        if tabular and not problems and nesting_depth(data) > MAX_NESTING:
            problems = [Problem(shown, row.line, "(row)", f"nested deeper than {MAX_NESTING} levels", row.unit)]
        record = None
        if not problems:
            try:
                record = model.model_validate(data)
            except ValidationError as exc:
                problems = validation_problems(exc, data, shown, row)
        if record is not None:
            record_id = record.id  # type: ignore[attr-defined]
            if record_id in seen_ids:
                problems = [
                    Problem(
                        shown,
                        row.line,
                        "id",
                        f"duplicate id {record_id!r}: an earlier record has it",
                        row.unit,
                    )
                ]
            else:
                seen_ids.add(record_id)
                yield record  # type: ignore[misc]
                continue
        yield RawFailure(row.line, row.raw, problems[0], problems[1:])


def read_records(
    path: str | Path, kind: str, fmt: str = "auto", split: str | None = None, use_case: str | None = None
) -> ReadResult:
    """All records and failures of a file in memory (use iter_records for very large files)."""
    records: list[Any] = []
    failures: list[RawFailure] = []
    for item in iter_records(path, kind, fmt, split, use_case):
        (failures if isinstance(item, RawFailure) else records).append(item)
    return ReadResult(records, failures)


# ---------------------------------------------------------------- atomic writes
def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _atomic_write(path: str | Path, write: Any) -> None:
    """Write text through a temp file in the same folder, then os.replace: readers never see half a file."""

    def fill(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as handle:
            write(handle)

    atomic_write_file(path, fill)


def atomic_write_file(path: str | Path, write: Callable[[Path], None]) -> Path:
    """`write(tmp)` fills a temp file in the same folder (any writer that wants a path: an exporter, a
    quantiser, a text writer), which is synced and then replaces `path` with normal permissions
    (temp files are 0600); half a file is never visible."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def toolkit_home() -> Path:
    """Where prepared models, tokenizers and exported graphs live ($TOOLKIT_HOME, default ~/.cache/toolkit)."""
    return Path(os.environ.get("TOOLKIT_HOME") or "~/.cache/toolkit").expanduser()


def _as_json_object(item: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, BaseModel):
        return item.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    return item


def write_jsonl(path: str | Path, items: Iterable[BaseModel | dict[str, Any]]) -> int:
    """Write records (pydantic models or dicts) one JSON object per line, atomically; returns the count."""
    count = 0

    def write(handle: Any) -> None:
        nonlocal count
        for item in items:
            handle.write(json.dumps(_as_json_object(item), ensure_ascii=False) + "\n")
            count += 1

    _atomic_write(path, write)
    return count


def atomic_write_text(path: str | Path, text: str) -> None:
    """Replace a text file atomically."""
    _atomic_write(path, lambda handle: handle.write(text))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    """Replace a JSON file atomically (indented, UTF-8, trailing newline)."""
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


# ---------------------------------------------------------------- output locations
def prepare_output_dir(path: str | Path, overwrite: bool, flag: str = "--out") -> Path:
    """A folder a command may write into: missing or empty, or (with --overwrite) an existing folder.

    Refusing a non-empty folder keeps an earlier gate's quarantine or split from being replaced
    without anyone asking for it; the files themselves are still replaced atomically.
    """
    out = Path(path)
    where = f"{flag} {out}"
    if out.is_symlink() and not out.exists():
        raise UserInputError(where, "is a broken symlink or a symlink loop")
    if out.exists() and not out.is_dir():
        raise UserInputError(where, "is a file; give a folder (it is created if missing)")
    if out.is_dir() and not overwrite and any(out.iterdir()):
        raise UserInputError(where, "folder is not empty (its files would be replaced); pass --overwrite or choose a new folder")
    return out


def prepare_output_file(path: str | Path, overwrite: bool, flag: str = "--out", companions: tuple[Path, ...] = ()) -> Path:
    """A file a command may write: missing, or (with --overwrite) an existing file; never a folder."""
    out = Path(path)
    where = f"{flag} {out}"
    if out.is_symlink() and not out.exists():
        raise UserInputError(where, "is a broken symlink or a symlink loop")
    if out.is_dir():
        raise UserInputError(where, "is a folder; give a file path")
    if out.parent.exists() and not out.parent.is_dir():
        raise UserInputError(where, f"{out.parent} is a file, not a folder")
    if not overwrite:
        for existing in (out, *companions):
            if existing.exists():
                raise UserInputError(f"{flag} {existing}", "file exists; pass --overwrite to replace it")
    return out
