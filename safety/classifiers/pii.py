"""PII tier on Presidio: `presidio-analyzer` (+ `phonenumbers`) finds the entities it knows; the
marketplace's own detectors are registered in the same Presidio registry as custom recognizers.

From Presidio: e-mail addresses, payment cards (Luhn), IBANs (mod-97), US SSNs and IP addresses.
Phone numbers: python-phonenumbers (the library Presidio uses), international formats and the
national formats of the regions in `PHONE_REGIONS`, wrapped as a Presidio recognizer of ours (see
`find_phone_numbers` for why not Presidio's PhoneRecognizer). Ours, as Presidio recognizers: street addresses (Presidio has none without an NER
model), identity-document numbers next to their keyword, SSNs written without dashes after "SSN",
and obfuscated contacts (spelled-out, spaced or bracketed addresses, messenger links, @handles).

NLP engine: a blank spaCy English pipeline (tokenizer only, lemma = lower-cased token), built in
process. Nothing is downloaded at run time (no `en_core_web_*` model), and Presidio's context
words ("phone", "ssn", ...) still raise the scores of weak patterns. Person names are not
recognised: that needs an NER model this toolkit does not ship.

The text given here is the rule tier's analysis view (look-alike characters folded); spans are
mapped back to the original text by the caller, so redaction cuts the same characters.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Presidio entity -> our redaction label (the label names the `[PLACEHOLDER]`).
ENTITY_LABELS: dict[str, str] = {
    "EMAIL_ADDRESS": "EMAIL",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
    "PHONE_NUMBER": "PHONE",
    "LOCAL_PHONE": "PHONE",
    "STREET_ADDRESS": "ADDRESS",
    "ID_DOCUMENT": "ID_NUMBER",
    "MARKETPLACE_CONTACT": "CONTACT",
    "MARKETPLACE_HANDLE": "HANDLE",
}
# When two detections overlap, the stronger (earlier) one keeps the characters: an e-mail's digits
# are not also a phone, a card number is not also an SSN.
PRIORITY: tuple[str, ...] = ("EMAIL", "CARD", "IBAN", "SSN", "ID_NUMBER", "IP", "PHONE", "ADDRESS", "CONTACT", "HANDLE")
# Presidio's own score under which a detection is dropped (its weak SSN shapes score 0.05 unless a
# context word lifts them); above it, the detection is scored on our scale (`LABEL_SCORES`).
MIN_PRESIDIO_SCORE: dict[str, float] = {"SSN": 0.4}
LABEL_SCORES: dict[str, float] = {
    "EMAIL": 0.99, "CARD": 0.95, "IBAN": 0.95, "SSN": 0.95, "ID_NUMBER": 0.9, "IP": 0.95, "PHONE": 0.9, "ADDRESS": 0.85,
}
# National phone formats are read as these regions' numbers; "+" and "00" numbers parse anywhere.
PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "BR", "AU", "MX", "PL", "PH", "NG", "ZA", "IE")
PRESIDIO_ENTITIES: tuple[str, ...] = ("EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "PHONE_NUMBER")


@dataclass(frozen=True)
class PiiHit:
    start: int
    end: int
    label: str
    score: float
    entity: str


_analyzer: Any = None
_analyzer_lock = threading.Lock()


def _import_presidio() -> None:
    """Import presidio_analyzer without torch/transformers: it imports them at module level only for
    NER engines this tier does not use (measured: 17-30 s of a cold start on a shared CPU, vs ~5 s).
    Modules someone already imported are left alone; later imports of torch work as usual."""
    if "presidio_analyzer" in sys.modules:
        return
    blocked = [name for name in ("torch", "transformers") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        for name in blocked:
            sys.modules.pop(name, None)


def _blank_nlp_engine() -> Any:
    """A Presidio NLP engine on `spacy.blank("en")`: tokens for context words, no model to download."""
    import spacy
    from presidio_analyzer.nlp_engine import NlpArtifacts
    from presidio_analyzer.nlp_engine.slim_spacy_nlp_engine import SlimSpacyNlpEngine

    class BlankSpacyNlpEngine(SlimSpacyNlpEngine):
        engine_name = "blank_spacy"

        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "en", "model_name": "blank"}], auto_download=False)

        def load(self) -> None:
            nlp = spacy.blank("en")
            nlp.max_length = 10**9  # a tokenizer alone needs no parser memory: 1 MB texts are fine
            self.nlp = {"en": nlp}

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> NlpArtifacts:
            # A blank pipeline has no lemmatizer: the lower-cased token stands in, so Presidio's
            # context enhancer still sees "phone", "ssn", "iban" next to a weak match.
            return NlpArtifacts(
                entities=[], tokens=doc, tokens_indices=[t.idx for t in doc], lemmas=[t.lower_ for t in doc],
                nlp_engine=self, language=language, scores=[],
            )

    engine = BlankSpacyNlpEngine()
    engine.load()
    return engine


def _offline_email_recognizer() -> Any:
    """Presidio's e-mail recognizer, its domain check on tldextract's bundled suffix list (no fetch)."""
    import tldextract
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return extract(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

    return OfflineEmailRecognizer()


def _marketplace_recognizer(name: str, entity: str, finder: Callable[[str], list[tuple[int, int, float]]]) -> Any:
    """One of our detectors as a Presidio recognizer (same registry, same results type)."""
    from presidio_analyzer import LocalRecognizer, RecognizerResult

    class MarketplaceRecognizer(LocalRecognizer):
        def load(self) -> None:
            pass

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            return [RecognizerResult(entity, start, end, score) for start, end, score in finder(text)]

    return MarketplaceRecognizer(supported_entities=[entity], name=name, supported_language="en")


_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d ().-]{5,20}\d(?:[ ]?,?[ ]?(?i:ext(?:ension)?|x)\.?[ ]?[:#]?[ ]?\d{1,6})?(?!\w)")


_DATE_TIME = re.compile(r"\b(?:19|20)\d\d[-./]\d\d?[-./]\d\d?\b|\b\d\d?[-./]\d\d?[-./](?:19|20)\d\d\b")


def find_phone_numbers(text: str) -> list[tuple[int, int, float]]:
    """Phone numbers validated by python-phonenumbers: "+"/"00" numbers for any country, national
    formats for `PHONE_REGIONS`. Presidio's PhoneRecognizer runs a full matcher pass per region
    (measured 30 ms a text with 16 regions); parsing only digit-run candidates is ~50x cheaper."""
    import phonenumbers

    found = []
    for match in _PHONE_CANDIDATE.finditer(text):
        candidate = match.group().rstrip(" .-(")
        if sum(char.isdigit() for char in candidate) < 7 or _DATE_TIME.search(candidate):
            continue
        regions: tuple[str | None, ...] = (None,) if candidate.startswith(("+", "00")) else PHONE_REGIONS
        for region in regions:
            try:
                number = phonenumbers.parse(candidate.replace("00", "+", 1) if candidate.startswith("00") else candidate, region)
            except phonenumbers.NumberParseException:
                continue
            # an international number only needs a plausible length for its country: ranges kept
            # out of service (UK 07700 900xxx) are still somebody's way of writing a phone number
            if phonenumbers.is_valid_number(number) or (region is None and phonenumbers.is_possible_number(number)):
                found.append((match.start(), match.start() + len(candidate), 0.9))
                break
    return found


def MASTERCARD_2_SERIES() -> Any:  # noqa: N802  (a constant that needs presidio imported)
    """Mastercard's 2221-2720 range, which Presidio's card patterns predate (Luhn still checked by Presidio)."""
    from presidio_analyzer import Pattern

    return Pattern("Mastercard 2-series", r"\b2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", 0.3)


def build_analyzer() -> Any:
    """The Presidio AnalyzerEngine with the recognizers above (cards, e-mails, ... and ours)."""
    _import_presidio()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        IbanRecognizer,
        IpRecognizer,
        UsSsnRecognizer,
    )

    from safety.classifiers import rules

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        _offline_email_recognizer(),
        CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, MASTERCARD_2_SERIES()]),
        IbanRecognizer(),
        UsSsnRecognizer(),
        IpRecognizer(),
        _marketplace_recognizer("PhoneNumbersRecognizer", "PHONE_NUMBER", find_phone_numbers),
        _marketplace_recognizer("StreetAddressRecognizer", "STREET_ADDRESS", rules.find_addresses),
        _marketplace_recognizer("IdDocumentRecognizer", "ID_DOCUMENT", rules.find_id_documents),
        _marketplace_recognizer("SsnKeywordRecognizer", "US_SSN", rules.find_keyword_ssns),
        _marketplace_recognizer("LocalPhoneRecognizer", "LOCAL_PHONE", rules.find_local_phones),
        _marketplace_recognizer("ObfuscatedContactRecognizer", "MARKETPLACE_CONTACT", rules.find_obfuscated_contacts),
        _marketplace_recognizer("MarketplaceHandleRecognizer", "MARKETPLACE_HANDLE", rules.find_handles),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=_blank_nlp_engine(), supported_languages=["en"])


def get_analyzer() -> Any:
    """The analyzer, built once per process (recognizers compile their patterns once)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                _analyzer = build_analyzer()
    return _analyzer


@functools.lru_cache(maxsize=1)
def _entities() -> list[str]:
    return [*PRESIDIO_ENTITIES, "LOCAL_PHONE", "STREET_ADDRESS", "ID_DOCUMENT", "MARKETPLACE_CONTACT", "MARKETPLACE_HANDLE"]


# Cheap pre-checks: most marketplace texts hold no candidate at all and never reach Presidio.
_SEVEN_DIGITS = re.compile(r"\d(?:[ ().+-]{0,3}\d){6}")
_IP_HINT = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:")
# Street-address cues. Number, then a street word within 60 characters ("12 Main St"); a street word
# (also inside a compound: "Hauptstraße"), then a number within 40 ("Via Roma 5"); a number right before
# a French/Spanish/Italian street word; "flat 3".
_STREET_AFTER_NUMBER = (
    "st", "street", "ave", "avenue", "rd", "road", "blvd", "lane", "ln", "dr", "drive", "way", "court", "ct", "place",
    "pl", "terrace", "trail", "parkway", "circle", "square", "close", "crescent", "ridge", "mill", "harbor", "plaza",
    "crossing", "highway", "hwy", "box",
)
_STREET_BEFORE_NUMBER = (
    "strasse", "straße", "str.", "weg", "gasse", "platz", "allee", "rue", "avenue", "calle", "avenida", "carrer", "via",
    "viale", "piazza", "corso", "rua",
)
_STREET_RIGHT_AFTER_NUMBER = ("rue", "avenue", "boulevard", "chemin", "calle", "via")
_UNIT_WORDS = ("flat", "studio")


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in words)


_ADDRESS_HINT = re.compile(
    rf"(?i)\d[^\n]{{0,60}}\b(?:{_alternatives(_STREET_AFTER_NUMBER)})\b|"
    rf"(?:{_alternatives(_STREET_BEFORE_NUMBER)})\b[^\n]{{0,40}}\d|"
    rf"\d[^\n]{{0,6}}\b(?:{_alternatives(_STREET_RIGHT_AFTER_NUMBER)})\b|(?:{_alternatives(_UNIT_WORDS)})\s+\d"
)
_WORD = re.compile(r"\w+")
_STREET_WORDS = frozenset(_STREET_AFTER_NUMBER + _STREET_RIGHT_AFTER_NUMBER)


def _may_hold_address(text: str) -> bool:
    """`_ADDRESS_HINT.search(text)`, answered without the regex for ASCII text that has none of its words.

    The regex backtracks through a 60-character window at every digit (~0.3 ms on a 47-word text, most
    of a rules-only gate pass); on ASCII text a match needs a street word as a whole word, a
    before-the-number word or a unit word as a substring, which a set lookup rules out first.
    Non-ASCII text always runs the regex (case-insensitive matching differs from str.lower() there).
    """
    if text.isascii():
        lowered = text.lower()
        if not (
            any(word in lowered for word in _STREET_BEFORE_NUMBER + _UNIT_WORDS)
            or not _STREET_WORDS.isdisjoint(_WORD.findall(lowered))
        ):
            return False
    return _ADDRESS_HINT.search(text) is not None


def _may_hold_entity(text: str) -> bool:
    """Could any Presidio-side recognizer (e-mail, card, IBAN, SSN, IP, phone, address, ID) fire?"""
    return (
        "@" in text
        or _SEVEN_DIGITS.search(text) is not None
        or _IP_HINT.search(text) is not None
        or _may_hold_address(text)
        or (any(char.isdigit() for char in text) and _may_hold_id_document(text))
    )


def _may_hold_id_document(text: str) -> bool:
    from safety.classifiers import rules

    return rules.may_hold_id_document(text)


def analyze(text: str, *, id_context: Callable[[str, int], bool]) -> list[PiiHit]:
    """PII and contact detections in `text`, overlaps resolved by `PRIORITY`.

    Numbers right after an identifier word ("order #", "invoice", "version") are not phones, SSNs
    or IPs (`id_context`). Texts with neither a digit nor an "@" nor a contact cue skip Presidio.
    """
    if not text:
        return []
    if _may_hold_entity(text):
        results = get_analyzer().analyze(text=text, language="en", entities=_entities(), regex_flags=re.DOTALL | re.MULTILINE)
    elif _may_hold_contact(text):  # only our contact recognizers can fire: skip Presidio's pipeline
        from presidio_analyzer import RecognizerResult

        from safety.classifiers import rules

        _import_presidio()
        results = [RecognizerResult("MARKETPLACE_CONTACT", a, b, score) for a, b, score in rules.find_obfuscated_contacts(text)]
        results += [RecognizerResult("MARKETPLACE_HANDLE", a, b, score) for a, b, score in rules.find_handles(text)]
    else:
        return []
    hits: list[PiiHit] = []
    for result in results:
        label = ENTITY_LABELS[result.entity_type]
        if result.score < MIN_PRESIDIO_SCORE.get(label, 0.0):
            continue
        if label in ("PHONE", "SSN", "IP") and id_context(text, result.start) and not text.startswith(("+", "("), result.start):
            continue  # "invoice 5551234567" is an invoice number; "+44 ..." is a phone whatever precedes it
        if label == "IP" and not _identifies_a_host(text[result.start : result.end]):
            continue
        if label == "EMAIL" and text.startswith(":", result.end) and not text.startswith(": ", result.end):
            continue  # git@github.com:org/repo.git is an SSH remote, not a mailbox
        if result.entity_type == "PHONE_NUMBER" and not _phone_shaped(text[result.start : result.end]):
            continue
        score = LABEL_SCORES.get(label, result.score)
        hits.append(PiiHit(result.start, result.end, label, score, result.entity_type))
    contacts = [hit for hit in hits if hit.label in ("CONTACT", "HANDLE")]
    return sorted(_resolve_overlaps([h for h in hits if h.label not in ("CONTACT", "HANDLE")]) + contacts, key=lambda h: (h.start, h.end, h.label))


def _identifies_a_host(candidate: str) -> bool:
    """Loopback and unspecified addresses (127.0.0.1, 0.0.0.0, ::1) identify nobody."""
    import ipaddress

    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_unspecified)


def _phone_shaped(candidate: str) -> bool:
    """8-15 digits, and 10+ unless written internationally: short local numbers need a cue
    (LocalPhoneRecognizer), so prices, years and counts are not phones."""
    digits = sum(char.isdigit() for char in candidate)
    return 7 <= digits <= 15 and (digits >= 10 or candidate.lstrip().startswith(("+", "00")) or "ext" in candidate.lower())


def _may_hold_contact(text: str) -> bool:
    from safety.classifiers import rules

    return rules.may_hold_obfuscated_contact(text)


def _resolve_overlaps(hits: list[PiiHit]) -> list[PiiHit]:
    rank = {label: index for index, label in enumerate(PRIORITY)}
    kept: list[PiiHit] = []
    for hit in sorted(hits, key=lambda h: (rank[h.label], -(h.end - h.start), h.start)):
        if not any(hit.start < other.end and other.start < hit.end for other in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: (h.start, h.end, h.label))
