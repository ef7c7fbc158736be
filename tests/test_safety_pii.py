"""The PII tier runs on Presidio with our recognizers in its registry, offline, with spans that redact."""

from __future__ import annotations

import sys

import pytest

from safety.classifiers import pii
from safety.classifiers.rules import RuleClassifier
from safety.redaction import redact_pii

rules = RuleClassifier()


def test_presidio_engine_holds_presidio_and_marketplace_recognizers_without_a_spacy_model() -> None:
    analyzer = pii.get_analyzer()
    names = {type(r).__name__ for r in analyzer.registry.recognizers} | {r.name for r in analyzer.registry.recognizers}
    assert {"CreditCardRecognizer", "IbanRecognizer", "UsSsnRecognizer", "IpRecognizer", "OfflineEmailRecognizer"} <= names
    assert {"StreetAddressRecognizer", "ObfuscatedContactRecognizer", "MarketplaceHandleRecognizer", "PhoneNumbersRecognizer"} <= names
    nlp = analyzer.nlp_engine.nlp["en"]
    assert nlp.pipe_names == []  # blank pipeline: nothing was (or could be) downloaded
    assert "presidio_analyzer" in sys.modules


@pytest.mark.parametrize(
    ("text", "label", "covered"),
    [
        ("whatsapp +55 11 91234-5678 please", "PHONE", "+55 11 91234-5678"),
        ("ruf mich an: +49 30 901820", "PHONE", "+49 30 901820"),
        ("mon portable 06 12 34 56 78", "PHONE", "06 12 34 56 78"),
        ("call 0044 20 7946 0958", "PHONE", "0044 20 7946 0958"),
        ("card: 5555-5555-5555-4444", "CARD", "5555-5555-5555-4444"),
        ("IBAN FR14 2004 1010 0505 0001 3M02 606", "IBAN", "FR14 2004 1010 0505 0001 3M02 606"),
        ("send it to 0482 Lopez Trail Apt. 190\nEast Jamesview, WA 03481", "ADDRESS", "0482 Lopez Trail Apt. 190\nEast Jamesview, WA 03481"),
        ("deliver to 12 rue de la Paix, 75002 Paris", "ADDRESS", "12 rue de la Paix, 75002 Paris"),
        ("la dirección es Calle Mayor 15, 28013 Madrid", "ADDRESS", "Calle Mayor 15, 28013 Madrid"),
        ("spedire a Via Roma 12, 00184 Roma", "ADDRESS", "Via Roma 12, 00184 Roma"),
        ("my SSN: 078-05-1120", "SSN", "078-05-1120"),
    ],
)
def test_presidio_tier_finds_entities_in_many_formats(text: str, label: str, covered: str) -> None:
    spans = [(s.label, text[s.start : s.end]) for s in rules.classify_one(text).spans]
    assert (label, covered) in spans, spans


@pytest.mark.parametrize(
    "text",
    [
        "kill -9 12345 then restart the worker",
        "Invoice #4839201 is paid, order 5551234567 ships Monday",
        "We shot 3 videos in 2024 and 12 more in 2025-03-14",
        "Ranked 1 2 3 in the contest; budget $1,500-$2,000",
        "I'll walk you through the Figma file",
        "use 127.0.0.1:8080 for the dev server",
    ],
)
def test_presidio_tier_leaves_marketplace_look_alikes_alone(text: str) -> None:
    assert "pii" not in rules.classify_one(text).scores


def test_redaction_cuts_the_spans_presidio_found() -> None:
    text = "Mail jo@example.org, call +44 20 7946 0958, card 4111 1111 1111 1111, live at 221B Baker Street now."
    assert redact_pii(text) == "Mail [EMAIL], call [PHONE], card [CARD], live at [ADDRESS] now."


def test_empty_and_huge_texts_give_a_result() -> None:
    assert rules.classify_one("").scores == {}
    huge = ("lorem ipsum dolor 42 " * 50_000) + " call +44 20 7946 0958"
    assert rules.classify_one(huge).scores.get("pii", 0) >= 0.9


# The address pre-check as it was before `_may_hold_address` learned to skip the regex: the oracle
# that the shortcut answers exactly the same.
_ADDRESS_HINT_BEFORE = __import__("re").compile(
    r"(?i)\d[^\n]{0,60}\b(?:st|street|ave|avenue|rd|road|blvd|lane|ln|dr|drive|way|court|ct|place|pl|terrace|trail|"
    r"parkway|circle|square|close|crescent|ridge|mill|harbor|plaza|crossing|highway|hwy|box)\b|"
    r"(?i:stra(?:ss|ß)e|str\.|weg|gasse|platz|allee|rue|avenue|calle|avenida|carrer|via|viale|piazza|corso|rua)\b[^\n]{0,40}\d|"
    r"\d[^\n]{0,6}\b(?i:rue|avenue|boulevard|chemin|calle|via)\b|(?i:flat|studio)\s+\d"
)


def _address_corpus() -> list[str]:
    """Every bundled text (eval sets, seeds, generated PII, use-case data) and random strings built
    from the regex's own pieces: street words in any case, digits, newlines, compounds, non-ASCII."""
    import json
    import random
    from pathlib import Path

    from safety.data.pii_cases import pii_cases

    repo = Path(__file__).resolve().parent.parent
    texts = [case.text for case in pii_cases()]
    for path in [*(repo / "safety" / "data").glob("*.jsonl"), *(repo / "recipes" / "data").rglob("*.jsonl")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            texts += [value for value in json.loads(line).values() if isinstance(value, str)] if line.strip() else []
    rng = random.Random(3)
    pieces = [*pii._STREET_AFTER_NUMBER, *pii._STREET_BEFORE_NUMBER, *pii._STREET_RIGHT_AFTER_NUMBER, *pii._UNIT_WORDS,
              "Main", "true", "Haupt", "1st", "42", "7", " ", " ", "\n", ",", ".", "-", "_", "x" * 30, "é", "ß", "İ", "ſt", "\u212a"]
    for _ in range(20_000):
        words = [rng.choice(pieces) for _ in range(rng.randint(1, 12))]
        words = [w.upper() if rng.random() < 0.2 else w.title() if rng.random() < 0.2 else w for w in words]
        texts.append(("" if rng.random() < 0.5 else " ").join(words))
    return texts


def test_address_precheck_answers_exactly_what_the_regex_answers() -> None:
    texts = _address_corpus()
    expected = [_ADDRESS_HINT_BEFORE.search(t) is not None for t in texts]
    assert [pii._ADDRESS_HINT.search(t) is not None for t in texts] == expected
    assert [pii._may_hold_address(t) for t in texts] == expected
    assert 1_000 < sum(expected) < len(texts) - 1_000  # both answers well represented
