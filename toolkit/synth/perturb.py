"""Outdated versions of a passage: numbers and conditions changed consistently.

"Consistently" means one mapping per passage: every occurrence of an original value gets the same
new value (a fee of 10% stated twice becomes 20% twice), every new value differs from every
original value of the passage (no changed number can be mistaken for an unchanged one), and the
order of values is kept (a "2-3 day" range stays a range). Numbers are scaled by one factor per
passage; words for small numbers ("ten recovery codes") are changed the same way.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}
_WORDS_BY_VALUE = {value: word for word, value in NUMBER_WORDS.items()}
NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])|\b(" + "|".join(NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
_FACTORS = (2.0, 3.0, 1.5, 4.0, 0.5, 5.0, 6.0)

# condition words and what an outdated or wrong version of the policy says instead
CONDITION_SWAPS: dict[str, str] = {
    "never": "sometimes",
    "must": "may",
    "only": "also",
    "cannot": "can",
    "can't": "can",
    "isn't": "is",
    "aren't": "are",
    "don't": "do",
    "doesn't": "does",
    "won't": "will",
    "not": "also",
    "free": "paid",
    "unless": "even if",
    "before": "after",
    "automatically": "only on request",
}
CONDITION = re.compile(r"\b(" + "|".join(re.escape(w) for w in CONDITION_SWAPS) + r")\b", re.IGNORECASE)


def number_value(match: re.Match[str]) -> float:
    if match.group(3):
        return float(NUMBER_WORDS[match.group(3).lower()])
    return float(match.group(1).replace(",", "") + (match.group(2) or ""))


def numbers_in(text: str) -> list[float]:
    """Every number in a text (digits or a number word), in order."""
    return [number_value(m) for m in NUMBER.finditer(text) if not _is_year(m)]


def _is_year(match: re.Match[str]) -> bool:
    digits = match.group(1)
    return bool(digits) and not match.group(2) and len(digits) == 4 and digits[:2] in ("19", "20")


@dataclass
class Perturbation:
    """The mapping used for one passage, so answers and tests can apply and check the same one."""

    factor: float
    numbers: dict[float, float] = field(default_factory=dict)
    conditions: bool = True

    def apply(self, text: str) -> str:
        def number(match: re.Match[str]) -> str:
            if _is_year(match):
                return match.group(0)
            new = self.numbers.get(number_value(match))
            if new is None:
                return match.group(0)
            return _format_like(match, new)

        changed = NUMBER.sub(number, text)
        if self.conditions:
            changed = CONDITION.sub(lambda m: _same_case(m.group(0), CONDITION_SWAPS[m.group(0).lower()]), changed)
        return changed


def plan_perturbation(passage: str, rng: random.Random, conditions: bool = True) -> Perturbation:
    """One factor for the passage such that every value changes and no new value equals an original."""
    originals = sorted(set(numbers_in(passage)))
    factors = list(_FACTORS)
    rng.shuffle(factors)
    for factor in factors:
        mapping = {value: _scale(value, factor) for value in originals}
        new_values = list(mapping.values())
        if (
            all(new != old and new > 0 for old, new in mapping.items())
            and not set(new_values) & set(originals)
            and len(set(new_values)) == len(new_values)
        ):
            return Perturbation(factor, mapping, conditions)
    # no single factor works (e.g. 1, 2 and 4 with factor 2): shift every value past the largest
    top = max(originals, default=0.0)
    mapping = {value: top + index + 1 for index, value in enumerate(originals)}
    return Perturbation(0.0, mapping, conditions)


def _scale(value: float, factor: float) -> float:
    scaled = value * factor
    if value == int(value):
        scaled = float(max(1, round(scaled)))
    return round(scaled, 2)


def _format_like(match: re.Match[str], value: float) -> str:
    if match.group(3):
        word = _WORDS_BY_VALUE.get(int(value)) if value == int(value) else None
        text = word if word else _plain(value)
        return _same_case(match.group(3), text)
    decimals = len(match.group(2)) - 1 if match.group(2) else 0
    if decimals:
        return f"{value:.{decimals}f}"
    if "," in match.group(1):
        return f"{int(value):,}"
    return _plain(value)


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _same_case(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement
