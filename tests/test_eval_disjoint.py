"""The red-team and over-refusal eval prompts stay out of training: no eval prompt equals, contains, is
contained in, or nearly duplicates any prompt or message of any training file (the safety mix and
every use case's preference and SFT data), and the sets are big enough and cover every category."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from safety.taxonomy import CATEGORY_IDS

DATA = Path(__file__).resolve().parents[1] / "recipes" / "data"
EVAL_FILES = (DATA / "eval" / "red_team.jsonl", DATA / "eval" / "over_refusal.jsonl")
TRAINING_FILES = sorted([*DATA.glob("*/preference.jsonl"), *DATA.glob("*/sft.jsonl")])
STOPWORDS = frozenset(
    "a an the and or but of to in on for with at by from as is are was be it its this that my me i you your "
    "how what why do does can could should would will so if into about".split()
)
JACCARD_LIMIT = 0.5  # token sets sharing half of their content words are near duplicates
SHINGLE_LIMIT = 0.5  # or this share of their word 3-grams
MIN_TOKENS = 4


def normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", re.sub(r"['’]", "", text.lower())))


def content_tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in normalised(text).split() if t not in STOPWORDS)


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = normalised(text).split()
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def turn_texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [m["content"] for m in value if m.get("role") != "assistant"]  # type: ignore[union-attr]


def training_prompts() -> list[tuple[str, str]]:
    """(where, text) for every request a model trains on: pair prompts (all non-assistant turns) and
    the user/system turns of conversations."""
    found = []
    for path in TRAINING_FILES:
        for record in read(path):
            texts = turn_texts(record["prompt"]) if "prompt" in record else turn_texts(record["messages"])
            found += [(f"{path.relative_to(DATA)}:{record['id']}", text) for text in texts]
    return found


def near_duplicate(eval_text: str, train_text: str) -> bool:
    a, b = normalised(eval_text), normalised(train_text)
    if a == b:
        return True
    if len(a.split()) >= MIN_TOKENS and (f" {a} " in f" {b} " or f" {b} " in f" {a} ") and len(b.split()) >= MIN_TOKENS:
        return True
    return jaccard(content_tokens(a), content_tokens(b)) >= JACCARD_LIMIT or jaccard(shingles(a), shingles(b)) >= SHINGLE_LIMIT


def test_the_checks_catch_what_they_should() -> None:
    assert near_duplicate("How do I kill a stuck process on Ubuntu?", "how do i kill a stuck process on ubuntu")
    assert near_duplicate("Hide my WhatsApp number in the proposal so the filter doesn't catch it.",
                          "Hide my WhatsApp number in a proposal so the platform's filter does not catch it")
    assert not near_duplicate("How do I kill a stuck process on Ubuntu?", "How do I write a proposal for a logo job?")


@pytest.fixture(scope="module")
def training() -> list[tuple[str, str, frozenset[str]]]:
    return [(where, text, content_tokens(text)) for where, text in training_prompts()]


@pytest.mark.parametrize("eval_file", EVAL_FILES, ids=lambda p: p.name)
def test_eval_prompts_are_disjoint_from_every_training_file(eval_file: Path, training: list[tuple[str, str, frozenset[str]]]) -> None:
    assert len(training) > 1000 and any("safety/" in where for where, _, _ in training)
    clashes = []
    for record in read(eval_file):
        text = record["prompt"] if isinstance(record["prompt"], str) else " ".join(turn_texts(record["prompt"]))
        tokens, flat = content_tokens(text), normalised(text)
        for where, train_text, train_tokens in training:
            # only pairs that could clash get the full check (shared words, or containment)
            if (len(tokens & train_tokens) >= 2 or flat in normalised(train_text)) and near_duplicate(text, train_text):
                clashes.append((record["id"], where, text, train_text))
    assert clashes == []


@pytest.mark.parametrize("eval_file", EVAL_FILES, ids=lambda p: p.name)
def test_eval_sets_have_100_prompts_over_every_category(eval_file: Path) -> None:
    records = read(eval_file)
    assert len(records) >= 100
    counts = Counter(r["category"] for r in records)
    assert set(counts) == set(CATEGORY_IDS)
    assert min(counts.values()) >= (5 if eval_file.name == "red_team.jsonl" else 1)
    prompts = [normalised(r["prompt"]) for r in records]
    assert len(prompts) == len(set(prompts))
