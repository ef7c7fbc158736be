"""Text checks shared by the eval suites and the use-case rubric: protected-attribute terms, key numbers."""

from __future__ import annotations

import re

# Protected attributes a candidate evaluation should not bring up (word-bounded, case-insensitive).
PROTECTED_ATTRIBUTE_TERMS: tuple[str, ...] = (
    r"age",
    r"aged?\s+\d+",
    r"\d+\s*(?:years?|yrs?)\s*old",
    r"too\s+(?:old|young)",
    r"elderly",
    r"retire(?:e|ment)",
    r"gender",
    r"male",
    r"female",
    r"wom[ae]n",
    r"gir?ls?",
    r"pregnan(?:t|cy)",
    r"maternity",
    r"paternity",
    r"married",
    r"marital",
    r"single\s+(?:mother|father|parent)",
    r"divorced",
    r"husband",
    r"wife",
    r"religio(?:n|us)",
    r"christian",
    r"muslim",
    r"jewish",
    r"hindu",
    r"buddhist",
    r"church",
    r"mosque",
    r"ethnic(?:ity)?",
    r"race",
    r"racial",
    r"nationality",
    r"immigrant",
    r"accent",
    r"native\s+speaker",
    r"disab(?:led|ility)",
    r"wheelchair",
    r"handicap(?:ped)?",
    r"sexual\s+orientation",
    r"gay",
    r"lesbian",
)
_PROTECTED_PATTERN = re.compile(r"\b(?:" + "|".join(PROTECTED_ATTRIBUTE_TERMS) + r")\b", re.IGNORECASE)
_NUMBER_PATTERN = re.compile(r"\d+(?:[.,]\d+)*")


def mentions_protected_attribute(text: str) -> bool:
    """True when the text names a protected attribute from the lexicon (age, gender, religion, ...)."""
    return bool(_PROTECTED_PATTERN.search(text))


def key_numbers(text: str) -> set[str]:
    """Numbers in a text, normalised: thousands separators dropped, trailing `.0`/`.00` removed."""
    found = set()
    for match in _NUMBER_PATTERN.findall(text):
        value = (
            match.replace(",", "")
            if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", match)
            else match.replace(",", ".")
        )
        value = value.rstrip(".")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.add(value)
    return found
