"""Facts of a section: sentences that state a number, a duration, a condition or a step.

A fact keeps its offsets into the article file, so every question and answer built from it can
point back at the exact text it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.synth.articles import Block, Section
from toolkit.synth.perturb import CONDITION, NUMBER_WORDS

FACT_KINDS = ("number", "duration", "condition", "step")
_SENTENCE = re.compile(r"[^.!?]*(?:[.!?](?=\s|$)|$)")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "no.", "min.", "max.")
_UNITS = r"(?:business |working |calendar )?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)"
_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_WORD_NUMBER = r"(?:" + "|".join(NUMBER_WORDS) + r")"
QUANTITY = re.compile(
    rf"(?P<money>[$€£]\s?{_AMOUNT}(?:\s?(?:-|–|to)\s?[$€£]?{_AMOUNT})?)"
    rf"|(?P<percent>{_AMOUNT}\s?(?:%|percent))"
    rf"|(?P<duration>(?:{_AMOUNT}|{_WORD_NUMBER})(?:\s?(?:-|–|to)\s?{_AMOUNT})?\s{_UNITS}\b)"
    rf"|(?P<count>(?<![\w$€£.,-])(?:{_AMOUNT}|{_WORD_NUMBER})\s(?P<noun>[a-z][a-z-]+(?:\s(?:codes?|attempts?|segments?|screenshots?))?)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    text: str
    kind: str  # money | percent | duration | count
    start: int  # offset in the sentence
    end: int
    noun: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Fact:
    """One sentence (or one list step) of a section with its file offsets."""

    section_id: str
    text: str
    start: int
    end: int
    kinds: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    block_kind: str = "paragraph"


def sentences(block: Block) -> list[tuple[str, int, int]]:
    """The block's sentences with file offsets (block text must equal the file slice for exact offsets)."""
    found: list[tuple[str, int, int]] = []
    pending_start: int | None = None
    for match in _SENTENCE.finditer(block.text):
        if not match.group(0).strip():
            continue
        local_start = match.start() if pending_start is None else pending_start
        piece = block.text[local_start : match.end()]
        ends_early = piece.rstrip().lower().endswith(_ABBREVIATIONS) or re.fullmatch(r"\s*\d+[.)]", piece)
        if ends_early and match.end() < len(block.text):
            pending_start = local_start
            continue
        pending_start = None
        lead = len(piece) - len(piece.lstrip())
        text = piece.strip()
        first = local_start + lead
        end = block.offset(first + len(text) - 1) + 1
        found.append((text, block.offset(first), end))
    return found


def quantities(sentence: str) -> list[Quantity]:
    found = []
    for match in QUANTITY.finditer(sentence):
        kind = next(name for name in ("money", "percent", "duration", "count") if match.group(name))
        noun = match.group("noun") if kind == "count" else None
        if kind == "count" and noun and noun.lower() in _NOT_COUNT_NOUNS:
            continue
        unit = re.search(_UNITS, match.group(0), re.IGNORECASE) if kind == "duration" else None
        found.append(Quantity(match.group(0), kind, match.start(), match.end(), noun, unit.group(0) if unit else None))
    return found


_NOT_COUNT_NOUNS = {"and", "or", "to", "of", "in", "on", "at", "for", "per", "from", "by", "with", "is", "are"}
_STEP_VERBS = {
    "turn", "use", "go", "open", "click", "store", "contact", "report", "upload", "add", "choose", "select",
    "enter", "message", "change", "sign", "set", "send", "check", "keep", "tap", "review", "request", "submit",
}


def fact_kinds(sentence: str, block_kind: str, found: list[Quantity]) -> tuple[str, ...]:
    kinds = []
    if any(q.kind in ("money", "percent", "count") for q in found):
        kinds.append("number")
    if any(q.kind == "duration" for q in found):
        kinds.append("duration")
    if CONDITION.search(sentence) or re.search(r"\b(if|unless|until|except|after)\b", sentence, re.IGNORECASE):
        kinds.append("condition")
    first = sentence.split(" ", 1)[0].lower().strip(",")
    if block_kind == "step" or first in _STEP_VERBS or re.match(r"to \w+[^,]*,", sentence, re.IGNORECASE) or " > " in sentence:
        kinds.append("step")
    return tuple(kinds)


def extract_facts(section: Section) -> list[Fact]:
    """Every sentence of the section that states a number, duration, condition or step."""
    facts = []
    for block in section.blocks:
        for text, start, end in sentences(block):
            found = quantities(text)
            kinds = fact_kinds(text, block.kind, found)
            if kinds:
                facts.append(Fact(section.id, text, start, end, kinds, tuple(found), block.kind))
    return facts
