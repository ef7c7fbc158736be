"""Seeded fuzzing of what users hand us (issue 13): data readers, the recipe loader and `--set`.

Random bytes, deep nesting, huge lines and wrong types must end as records, per-record failures or
one UserInputError: never another exception, never a lost record. Seeded, so a failure reproduces;
sized to run in well under a minute.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from toolkit.core.errors import UserInputError
from toolkit.core.io import RawFailure, iter_records
from toolkit.recipe import load_recipe, recipe_errors

SEED = 20261130
VALID_PAIR = {"id": "p", "use_case": "proposal_writing", "prompt": "Job: logo", "chosen": "Done in 3 days.", "rejected": "ok"}
VALID_SFT = {"id": "s", "use_case": "general", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
ODD_TEXT = ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\r", "\x00", "\ufeff", "é", "😀", "\ud800", "\\", '"', "\t"]


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 4 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 1, 2**70, 1e308, -0.0, 3.5])
    if kind == 2:
        return "".join(rng.choice(ODD_TEXT + list("ab c{}[]:,")) for _ in range(rng.randrange(12)))
    if kind == 3:
        return rng.choice(["sigmoid", "user", "assistant", "", "-1", ".inf", "nan"])
    if kind == 4:
        return rng.random()
    if kind in (5, 6):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["id", "role", "content", "prompt", "x", "labels", "chosen"]): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def random_line(rng: random.Random) -> bytes:
    """One input line (without its newline): valid, mutated, binary, deep, huge or wrongly typed."""
    base = dict(rng.choice([VALID_PAIR, VALID_SFT]))
    base["id"] = f"r{rng.randrange(10**9)}"
    kind = rng.randrange(10)
    if kind == 0:
        return json.dumps(base).encode()
    if kind == 1:  # a field of the wrong type
        base[rng.choice(list(base))] = random_value(rng)
        return json.dumps(base, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if kind == 2:  # random bytes (no newline: the line structure is ours to count)
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))).replace(b"\n", b"")
    if kind == 3:  # deep nesting, as the whole line or inside a field
        depth = rng.choice([65, 999, 5000, 20000])
        deep = "[" * depth + "]" * depth
        return (deep if rng.random() < 0.5 else json.dumps(base)[:-1] + f', "meta": {deep}}}').encode()
    if kind == 4:  # a huge line
        base["chosen"] = "x" * rng.choice([10**5, 2 * 10**6])
        return json.dumps(base).encode()
    if kind == 5:  # truncated JSON
        text = json.dumps(base).encode()
        return text[: rng.randrange(1, len(text))]
    if kind == 6:  # not an object
        return json.dumps(random_value(rng)).encode()
    if kind == 7:  # odd separators inside strings
        base["prompt"] = "".join(rng.choice(ODD_TEXT) for _ in range(8)) + "job"
        return json.dumps(base, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if kind == 8:  # a random value in a random field
        base[rng.choice(["labels", "annotator", "meta", "messages", "margin"])] = random_value(rng)
        return json.dumps(base).encode()
    return rng.choice([b"", b"   ", b"\r", b"\xef\xbb\xbf", b"\x00\x00", b"\xff\xfe{}", b"\xc3"])


def expected_items(lines: list[bytes]) -> int:
    """Every non-blank line becomes exactly one record or one failure."""
    count = 0
    for number, line in enumerate(lines, start=1):
        data = line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            count += 1
            continue
        count += bool(text.rstrip("\r\n").strip())
    return count


@pytest.mark.parametrize("kind", ["preference", "sft"])
def test_jsonl_reader_never_raises_and_never_loses_a_line(tmp_path: Path, kind: str) -> None:
    rng = random.Random(f"{SEED}-{kind}")
    for round_ in range(6):
        lines = [random_line(rng) for _ in range(60)]
        path = tmp_path / f"fuzz{round_}.jsonl"
        path.write_bytes(b"\n".join(lines) + rng.choice([b"\n", b""]))
        items = list(iter_records(path, kind))
        assert len(items) == expected_items(lines), f"round {round_}"
        for item in items:
            if isinstance(item, RawFailure):
                assert item.problems and str(item.problem).startswith(str(path))


def test_csv_reader_gives_records_failures_or_one_user_error(tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-csv")
    header = b"id,use_case,prompt,chosen,rejected,labels\n"
    for round_ in range(20):
        rows = []
        for i in range(20):
            cells = [f"c{i}".encode(), b"general", b"p", b"c", b"r", random_line(rng)[:200].replace(b"\r", b"")]
            rows.append(b",".join(b'"' + cell.replace(b'"', b'""') + b'"' if rng.random() < 0.7 else cell for cell in cells))
        path = tmp_path / f"fuzz{round_}.csv"
        path.write_bytes(header + b"\n".join(rows) + b"\n")
        try:
            items = list(iter_records(path, "preference"))
        except UserInputError:
            continue  # a file csv cannot parse at all is one error line
        assert 0 < len(items) <= len(rows)


def test_gate_accounts_for_every_fuzzed_line(tmp_path: Path) -> None:
    from safety.config import SafetyConfig
    from safety.gate import gate_records

    rng = random.Random(f"{SEED}-gate")
    lines = [random_line(rng) for _ in range(150)]
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    config = SafetyConfig.model_validate({"classifiers": {"semantic": False, "toxicity": False}})
    from safety.classifiers import build_classifiers

    result = gate_records(iter_records(path, "preference"), "preference", config, build_classifiers(config))
    report = result.report
    assert report.input == expected_items(lines) == report.kept + report.quarantined
    assert len(result.kept) + len(result.quarantined) == report.input


RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "demo.yaml"


def mutate(rng: random.Random, text: str) -> bytes:
    data = bytearray(text.encode())
    for _ in range(rng.randrange(1, 3)):
        at = rng.randrange(len(data))
        action = rng.randrange(5)
        if action == 0:
            del data[at : at + rng.randrange(1, 20)]
        elif action == 1:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
        elif action == 2:
            data[at:at] = rng.choice([b": ", b"\n  - ", b"&a ", b"*a", b"!!python/object:os.system ", b"[" * 300, b"{", b"\t", b".inf", b"-5"])
        elif action == 3:  # duplicate a line
            lines = bytes(data).split(b"\n")
            pick = rng.randrange(len(lines))
            lines.insert(pick, lines[pick])
            data = bytearray(b"\n".join(lines))
        else:
            data[at:at] = b"\n" + rng.choice([b"seed: 1", b"nosuch: 2", b"stages: {sft: {trl: {max_steps: abc}}}", b"extends: demo.yaml"]) + b"\n"
    return bytes(data)


def test_recipe_loader_gives_a_recipe_or_one_user_error(tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-recipe")
    text = RECIPE.read_text(encoding="utf-8")
    for parent in ("proposal_writing.yaml", "base.yaml"):
        (tmp_path / parent).write_text((RECIPE.parent / parent).read_text().replace("data/", str(RECIPE.parent / "data") + "/"))
    outcomes = {"ok": 0, "error": 0}
    for round_ in range(80):
        path = tmp_path / "demo.yaml"
        path.write_bytes(mutate(rng, text))
        try:
            load_recipe(path)
            outcomes["ok"] += 1
        except UserInputError as exc:
            assert str(exc), f"round {round_}"
            outcomes["error"] += 1
        assert all(isinstance(line, str) for line in recipe_errors(path))
    assert outcomes["error"] > 20 and outcomes["ok"] > 3, outcomes  # both paths exercised


SET_KEYS = [
    "seed", "name", "model.name", "model.dtype", "model.lora.r", "model.lora", "data.split.eval_fraction",
    "stages.sft.learning_rate", "stages.sft.max_steps", "stages.dpo.beta", "stages.dpo.loss_type",
    "stages.sft.trl.max_steps", "stages.dpo.trl.lr_scheduler_type", "stages.reward.trl.nosuch",
    "safety.thresholds.default", "safety.classifiers", "eval.suites", "nosuch.deeper.key", "stages", "model",
    "tracking.wandb.mode", "stages.cost.sign_weight", "model.trust_remote_code", "extends",
]
SET_VALUES = [
    "0.2", "-5", "abc", ".inf", ".nan", "-.inf", "[1, 2]", "{a: 1}", "null", "true", "", "'quoted'", "!!python/object:os.system x",
    "[" * 2000, "{a: " * 300, "1e400", "0x1F", "~", "&a [*a]", "{trust_remote_code: true}", "- x\n- y", "'\u2028'", "\x00",
]


def test_set_overrides_give_a_recipe_or_one_error_blaming_set(tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-set")
    path = tmp_path / "r.yaml"
    path.write_text("name: r\nmodel:\n  lora: {r: 8}\nstages:\n  sft:\n    trl: {lr_scheduler_type: cosine}\n")
    for round_ in range(200):
        overrides = [f"{rng.choice(SET_KEYS)}={rng.choice(SET_VALUES)}" for _ in range(rng.randrange(1, 3))]
        if rng.random() < 0.1:
            overrides.append(rng.choice(["=1", "novalue", ".a=1", "a..b=1", "stages.=1"]))
        try:
            load_recipe(path, overrides)
        except UserInputError as exc:
            assert str(exc).startswith("--set"), (round_, overrides, str(exc))
