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
