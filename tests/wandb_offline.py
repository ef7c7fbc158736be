"""Read an offline W&B run (`wandb/offline-run-*/run-*.wandb`) back into Python.

wandb 0.31 writes the run from its Go core and ships no Python reader. The file is a LevelDB log
(core/pkg/leveldb/record.go in wandb's repository, CRC variant "IEEE"):

    file header : ":W&B" (4 bytes), magic 0xBEE1 (uint16 LE), version 0 (1 byte) - inside block 0
    blocks      : 32 KiB, counted from the start of the file; a tail shorter than 7 bytes is zero padding
    chunk       : crc32 (uint32 LE, zlib/IEEE, over the type byte + payload), length (uint16 LE),
                  type (1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST), payload
    record      : the payloads of one FULL chunk, or FIRST + MIDDLE* + LAST, form one serialized
                  `wandb_internal_pb2.Record`

Test-only (not shipped in the package): tests check what a run logged, and that no raw PII reached it.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError, Message
from wandb.proto import wandb_internal_pb2

from toolkit.core.errors import UserInputError

FILE_HEADER = struct.Struct("<4sHB")
FILE_IDENT = b":W&B"
FILE_MAGIC = 0xBEE1
FILE_VERSION = 0
BLOCK_SIZE = 32 * 1024
CHUNK_HEADER = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


@dataclass
class OfflineTable:
    """A logged wandb.Table; `rows` is None when its JSON file is not in the run's files folder."""

    columns: list[str]
    rows: list[list[Any]] | None
    path: str


@dataclass
class OfflineRun:
    """What an offline run holds; config, history and summary values are JSON-decoded."""

    path: Path
    run_file: Path
    records: list[wandb_internal_pb2.Record]
    run_id: str = ""
    project: str = ""
    name: str = ""
    group: str = ""
    job_type: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, OfflineTable] = field(default_factory=dict)
    exit_code: int | None = None

    @property
    def files_dir(self) -> Path:
        return self.path / "files"

    def metric(self, key: str) -> list[Any]:
        """Every logged value of one history key, in step order."""
        return [row[key] for row in self.history if key in row]

    def raw_strings(self) -> list[str]:
        """Every string in the run: all string fields of all records (JSON values decoded too), and the
        text of every file under the run folder (files/, logs/, tmp/), for 'no PII anywhere' checks."""
        strings: list[str] = [self.run_file.read_bytes().decode("utf-8", errors="replace")]
        for record in self.records:
            strings.extend(_message_strings(record))
        for file in sorted(p for p in self.path.rglob("*") if p.is_file() and p != self.run_file):
            text = file.read_bytes().decode("utf-8", errors="replace")
            strings.append(text)
            if file.suffix == ".json":
                try:
                    strings.extend(_json_strings(json.loads(text)))
                except ValueError:
                    pass
        return strings


# ---------------------------------------------------------------- the log format
def _find_run_file(path: Path) -> Path:
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise UserInputError(str(path), "no such file or folder")
    direct = sorted(path.glob("run-*.wandb"))
    candidates = direct or sorted(path.rglob("run-*.wandb"))
    if len(candidates) != 1:
        found = "no" if not candidates else f"{len(candidates)}"
        raise UserInputError(str(path), f"expected exactly one W&B run (run-*.wandb) here, found {found}")
    return candidates[0]


def read_records(run_file: Path) -> Iterator[bytes]:
    """Yield the payload of every complete record; a torn last record (run still writing) is skipped."""
    data = Path(run_file).read_bytes()
    where = str(run_file)
    if len(data) < FILE_HEADER.size:
        raise UserInputError(where, "not a W&B run file (too short for its header)")
    ident, magic, version = FILE_HEADER.unpack_from(data, 0)
    if ident != FILE_IDENT or magic != FILE_MAGIC:
        raise UserInputError(where, "not a W&B run file (bad header)")
    if version != FILE_VERSION:
        raise UserInputError(where, f"unsupported W&B run file version {version}")
    position = FILE_HEADER.size
    pending: bytearray | None = None
    while position + CHUNK_HEADER.size <= len(data):
        left_in_block = BLOCK_SIZE - position % BLOCK_SIZE
        if left_in_block < CHUNK_HEADER.size:  # block trailer: zero padding
            position += left_in_block
            continue
        checksum, length, chunk_type = CHUNK_HEADER.unpack_from(data, position)
        if checksum == 0 and length == 0 and chunk_type == 0:  # zeroed rest of a block
            position += left_in_block
            continue
        start = position + CHUNK_HEADER.size
        end = start + length
        if end > len(data):
            return  # torn write at the end of a live file
        if length > left_in_block - CHUNK_HEADER.size:
            raise UserInputError(f"{where}: byte {position}", "corrupt W&B run file (chunk crosses a block)")
        if zlib.crc32(data[start - 1 : end]) != checksum:  # checksum covers the type byte and payload
            raise UserInputError(f"{where}: byte {position}", "corrupt W&B run file (checksum mismatch)")
        payload = data[start:end]
        position = end
        if chunk_type == FULL:
            yield payload
            pending = None
        elif chunk_type == FIRST:
            pending = bytearray(payload)
        elif chunk_type in (MIDDLE, LAST) and pending is not None:
            pending += payload
            if chunk_type == LAST:
                yield bytes(pending)
                pending = None
        else:
            raise UserInputError(
                f"{where}: byte {position}", f"corrupt W&B run file (chunk type {chunk_type})"
            )


# ---------------------------------------------------------------- decoding
def _decode_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _item_path(item: Any) -> list[str]:
    """History/config/summary items name their key either as `key` or as a `nested_key` path."""
    return list(item.nested_key) if item.nested_key else [item.key]


def _set_nested(target: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = target[key] = {}
        target = child
    target[keys[-1]] = value


def _remove_nested(target: dict[str, Any], keys: list[str]) -> None:
    for key in keys[:-1]:
        target = target.get(key)
        if not isinstance(target, dict):
            return
    target.pop(keys[-1], None)


def _apply_updates(target: dict[str, Any], record: Any) -> None:
    for item in record.update:
        _set_nested(target, _item_path(item), _decode_json(item.value_json))
    for item in record.remove:
        _remove_nested(target, _item_path(item))


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _message_strings(message: Message) -> Iterator[str]:
    for descriptor, value in message.ListFields():
        if isinstance(value, (Message, str, bytes, int, float)):
            values: list[Any] = [value]
        elif hasattr(value, "items"):  # a map field
            values = [item for pair in value.items() for item in pair]
        else:  # a repeated field
            values = list(value)
        for item in values:
            if isinstance(item, Message):
                yield from _message_strings(item)
            elif isinstance(item, str):
                yield item
                if descriptor.name.endswith("_json"):
                    yield from _json_strings(_decode_json(item))
            elif isinstance(item, bytes):
                yield item.decode("utf-8", errors="replace")


def _collect_tables(values: dict[str, Any], files_dir: Path, tables: dict[str, OfflineTable]) -> None:
    for name, value in values.items():
        if isinstance(value, dict) and value.get("_type") == "table-file" and "path" in value:
            table_file = files_dir / value["path"]
            rows = columns = None
            if table_file.is_file():
                content = json.loads(table_file.read_text(encoding="utf-8"))
                columns, rows = content.get("columns"), content.get("data")
            tables[name] = OfflineTable(columns=list(columns or []), rows=rows, path=value["path"])


def read_offline_run(path: Path) -> OfflineRun:
    """Parse an offline run: its folder, its run-*.wandb file, or a parent holding exactly one run."""
    run_file = _find_run_file(Path(path))
    run = OfflineRun(path=run_file.parent, run_file=run_file, records=[])
    history_tables: dict[str, Any] = {}
    for payload in read_records(run_file):
        record = wandb_internal_pb2.Record()
        try:
            record.ParseFromString(payload)
        except DecodeError as exc:
            raise UserInputError(str(run_file), f"corrupt W&B record: {exc}") from None
        run.records.append(record)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            info = record.run
            run.run_id, run.project, run.name = info.run_id, info.project, info.display_name
            run.group, run.job_type, run.tags = info.run_group, info.job_type, list(info.tags)
            _apply_updates(run.config, info.config)
            _apply_updates(run.summary, info.summary)
        elif kind == "config":
            _apply_updates(run.config, record.config)
        elif kind == "summary":
            _apply_updates(run.summary, record.summary)
        elif kind == "history":
            row: dict[str, Any] = {}
            for item in record.history.item:
                _set_nested(row, _item_path(item), _decode_json(item.value_json))
            run.history.append(row)
            history_tables.update(row)
        elif kind == "exit":
            run.exit_code = record.exit.exit_code
    _collect_tables(history_tables, run.files_dir, run.tables)
    _collect_tables(run.summary, run.files_dir, run.tables)
    return run
