"""Rule tier: precompiled patterns with validators for PII, off-platform contact, prompt injection
and explicit hiring discrimination. Cheap enough to run on every record of every stage.

Each hit is a Span whose `label` names the redaction placeholder (EMAIL, PHONE, CARD, ...). A
category's score is the highest score among its hits. Precision matters more than recall here:
marketplace text is full of look-alikes (versions, prices, order ids, years, `@decorators`), so
numbers are validated (Luhn, IBAN mod-97, `ipaddress`) and ambiguous shapes need context.

Speed: a text is lower-cased and split into a word set once; a rule's regex only runs when one of
its keywords is in that set (or, for number shapes, when a cheap digit pre-scan finds a candidate).
Most texts run two or three regexes instead of forty.

Look-alikes: every rule reads an analysis view of the text, not the text itself. Non-ASCII text is
folded (NFKC: `＠` -> `@`, full-width digits -> ASCII; any script's digits -> ASCII; invisible
format characters and script-neutral combining marks dropped; Cyrillic/Greek homoglyphs inside
Latin words -> Latin), and letters posing as digits (`O` for 0, `l`/`I` for 1) are read as digits
inside phone-shaped runs only. Spans found in the view are mapped back to the original text, so
redaction cuts the right characters.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from safety.classifiers import pii
from safety.classifiers.base import Classification, Span

PII = "pii"
OFF_PLATFORM = "off_platform"
PROMPT_INJECTION = "prompt_injection"
HIRING_DISCRIMINATION = "hiring_discrimination"

# Labels that are personal data or contact details: what `redact_pii` removes.
PII_LABELS: frozenset[str] = frozenset(
    {"EMAIL", "PHONE", "ADDRESS", "CARD", "IBAN", "SSN", "ID_NUMBER", "IP", "CONTACT", "HANDLE"}
)
CONTACT_LABELS: frozenset[str] = frozenset({"CONTACT", "HANDLE"})  # off_platform evidence, redacted like PII


# ---------------------------------------------------------------- analysis view (look-alike characters)
# Characters NFKC leaves alone but that read as ASCII punctuation in a contact detail.
_EXTRA_FOLDS = {"\u3002": ".", "\uff61": ".", "\u2024": "."}
# Cyrillic, Greek and IPA letters drawn like Latin ones; only applied inside words that are otherwise Latin.
_HOMOGLYPH_FROM = "аеорсухіјѕԁԛԝһӏкАВЕКМНОРСТХУІЈЅαοιχκνρυΑΒΕΖΗΙΚΜΝΟΡΤΥΧɡıȷ"
_HOMOGLYPH_TO = "aeopcyxijsdqwhlkABEKMHOPCTXYIJSaoixkvpuABEZHIKMNOPTYXgij"
_HOMOGLYPHS = str.maketrans(_HOMOGLYPH_FROM, _HOMOGLYPH_TO)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_HOMOGLYPH_CHAR = re.compile(f"[{_HOMOGLYPH_FROM}]")
_HOMOGLYPH_WORD = re.compile(
    rf"(?<!\w)[A-Za-z0-9_{_HOMOGLYPH_FROM}]*[{_HOMOGLYPH_FROM}][A-Za-z0-9_{_HOMOGLYPH_FROM}]*(?!\w)"
)


_GENERIC_MARK_RANGES = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
_GENERIC_MARK = re.compile(f"[{_GENERIC_MARK_RANGES}]")
# What folds besides NFKC: the common invisible format characters, generic marks, the extra folds
# and non-ASCII digits. Text that is NFKC-normal and has none of these skips folding altogether.
_FOLDS_BEYOND_NFKC = re.compile(
    f"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\U000e0000-\U000e007f"
    f"{_GENERIC_MARK_RANGES}{''.join(_EXTRA_FOLDS)}]"
)
_NON_ASCII_DIGIT = re.compile(r"[^\D0-9]")


def _is_generic_combining_mark(char: str) -> bool:
    return _GENERIC_MARK.match(char) is not None


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """How one non-ASCII character reads to the patterns: NFKC (`＠` -> `@`, `５` -> `5`, `ﬁ` -> `fi`),
    a decimal digit of any script as its ASCII digit, invisible format characters (zero-width
    space, soft hyphen, ...) and the script-neutral combining marks stacked on letters to break
    words (`g̲m̲a̲i̲l̲`) as nothing. Marks that belong to a script (Devanagari vowel signs) stay."""
    if char in _EXTRA_FOLDS:
        return _EXTRA_FOLDS[char]
    category = unicodedata.category(char)
    if category == "Cf" or (category in ("Mn", "Me") and _is_generic_combining_mark(char)):
        return ""
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) == 1 and not folded.isascii():
        digit = unicodedata.decimal(folded, None)
        if digit is not None:
            return str(digit)
    return folded


def _homoglyphs_to_latin(text: str) -> str:
    """Cyrillic/Greek look-alikes read as Latin inside words made only of ASCII and look-alikes
    (`gmаil` with a Cyrillic `а`); real Cyrillic or Greek words keep their letters. Same length."""
    return _HOMOGLYPH_WORD.sub(lambda match: match.group().translate(_HOMOGLYPHS), text)


def analysis_view(text: str) -> tuple[str, list[int] | None]:
    """The text as the rules read it, and for each of its characters the index of the original
    character it came from (None when the view is the text itself, as for all ASCII text)."""
    if text.isascii():
        return text, None
    origin: list[int] | None = None
    if not unicodedata.is_normalized("NFKC", text) or _FOLDS_BEYOND_NFKC.search(text) or _NON_ASCII_DIGIT.search(text):
        pieces: list[str] = []
        origin = []
        cursor = 0
        for match in _NON_ASCII_RUN.finditer(text):
            start, run = match.start(), match.group()
            folded = "".join(map(_fold_char, run))
            pieces.append(text[cursor:start])
            origin.extend(range(cursor, start))
            pieces.append(folded)
            if folded == run:
                origin.extend(range(start, start + len(run)))
            else:
                for index, char in enumerate(run, start):
                    origin.extend([index] * len(_fold_char(char)))
            cursor = start + len(run)
        pieces.append(text[cursor:])
        origin.extend(range(cursor, len(text)))
        text = "".join(pieces)
    if _HOMOGLYPH_CHAR.search(text):
        text = _homoglyphs_to_latin(text)  # same length: `origin` still holds
    return text, origin


# Runs of digits and digit look-alikes (O, o for 0; I, l for 1) with phone separators.
# The hint is a cheap pre-check (every branch starts at a digit, which the regex engine skips to):
# a look-alike right before a digit, between digits, or right after a digit at a word's end.
_LOOKALIKE_HINT = re.compile(r"\d(?<=[OoIl]\d)|\d(?:[ .()-]{0,3}[OoIl])+[ .()-]{0,3}\d|\d[OoIl]+\b")
_LOOKALIKE_RUN = re.compile(r"(?<![\w+])\+?[\dOoIl]+(?:[ .()-]{1,3}[\dOoIl]+)*(?!\w)")
_LOOKALIKE_TOKEN = re.compile(r"[\dOoIl]+")
_LOOKALIKE_DIGITS = str.maketrans("OoIl", "0011")


def _lookalike_digits_as_digits(text: str) -> str:
    """`O7911 l23456` -> `07911 123456`, only where the result is phone-shaped: 7-15 digits, real
    digits at least as many as look-alikes, and the run starting and ending with a real digit, so
    words (`lol`, `I`, `Oslo`) and one-off shapes (`O2`, `10 o'clock`) stay letters. Same length."""
    pieces: list[str] = []
    cursor = 0
    for match in _LOOKALIKE_RUN.finditer(text):
        tokens = [(t.start(), t.end(), t.group()) for t in _LOOKALIKE_TOKEN.finditer(text, match.start(), match.end())]
        while tokens and not any(char.isdigit() for char in tokens[0][2]):
            tokens.pop(0)
        while tokens and not any(char.isdigit() for char in tokens[-1][2]):
            tokens.pop()
        if not tokens:
            continue
        run = "".join(token for _, _, token in tokens)
        digits = sum(char.isdigit() for char in run)
        lookalikes = len(run) - digits
        if lookalikes and 7 <= len(run) <= 15 and lookalikes <= digits:
            start, end = tokens[0][0], tokens[-1][1]
            pieces.append(text[cursor:start])
            pieces.append(text[start:end].translate(_LOOKALIKE_DIGITS))
            cursor = end
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


# ---------------------------------------------------------------- validators
def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[0689]|6(?:011|5|4[4-9]|2)")


def card_number_valid(digits: str) -> bool:
    """13-19 digits, a known issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay) and Luhn."""
    return 13 <= len(digits) <= 19 and digits.isdigit() and bool(_CARD_PREFIX.match(digits)) and luhn_valid(digits)


def iban_valid(text: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def ipv4_valid(candidate: str) -> bool:
    """A real IPv4 address that identifies a host (loopback and 0.0.0.0 identify nobody)."""
    try:
        address = ipaddress.IPv4Address(candidate)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


def ipv6_valid(candidate: str) -> bool:
    if len(candidate) < 7 or sum(1 for group in candidate.split(":") if group) < 2:
        return False  # `x[::2]`, `a::b` and clock times are not addresses
    try:
        address = ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified)


# ---------------------------------------------------------------- PII patterns
_EMAIL = re.compile(
    r"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# A cluster of 7+ digits with light separators: the pre-check for cards, IBANs, SSNs and phones.
_DIGIT_CLUSTER = re.compile(r"\d(?:[ ().+-]{0,3}\d){6}")
_CARD = re.compile(r"(?<![\d.,-])\d(?:[ -]?\d){12,18}(?!\d|[.,-]\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_SSN_KEYWORD = re.compile(r"(?i)\b(?:ssn|social security(?: number| no\.?)?)\b\D{0,15}?(\d{9}|\d{3}([ -])\d{2}\2\d{4})\b")
# Identity-document numbers have no checksum shared across countries, so they need their keyword:
# "passport no. X1234567", "driver's licence: D123-4567-8901", "tax id 12-3456789". Short acronyms
# only count in capitals ("TIN", not "tin"); a bare "id" or "license" (order id, software licence)
# is not enough.
_ID_DOCUMENT_KEYWORD = (
    r"(?i:passport|national[ ]+(?:id(?:entity|entification)?|insurance)|identity[ ]+(?:card|number|document)|"
    r"id[ ]+card|personal[ ]+id(?:entification)?|government[ ]+id|citizen(?:ship)?[ ]+id|voter[ ]+id|"
    r"driver['’]?s?[ ]+licen[cs]e|driving[ ]+licen[cs]e|residence[ ]+permit|social[ ]+insurance|"
    r"tax(?:payer)?[ ]+(?:id(?:entification)?|number|no\b|code|file[ ]+number)|aadhaa?r|codice[ ]+fiscale|personnummer|"
    r"my[ ]+id(?:entification)?(?:[ ]+card)?[ ]+(?:number|no\b)|(?<!vehicle )identification[ ]+(?:number|no\b)|"
    r"nhs[ ]+number|medicare[ ]+(?:card[ ]+)?number|health[ ]+(?:card|insurance)[ ]+number)"
    r"|\b(?:TIN|EIN|ITIN|SIN|NIN|NINO|NI|PAN|CPF|DNI|NIE|NIF|BSN|DL|UTR|PPSN|PESEL|CNIC|NRIC|NIC|CURP|TFN|BVN|HKID)\b"
)
_ID_DOCUMENT_WORDS = frozenset(
    "passport national identity id personal government citizen citizenship voter driver drivers driver's driving "
    "residence social tax taxpayer aadhaar aadhar codice personnummer tin ein itin sin nin nino ni pan cpf dni nie "
    "nif bsn dl utr ppsn pesel cnic nric nic curp tfn bvn hkid identification nhs medicare health".split()
)
_ID_DOCUMENT_NUMBER = re.compile(
    rf"\b(?:{_ID_DOCUMENT_KEYWORD})(?![A-Za-z])"
    r"(?:[ ]*(?i:number|num|no\.?|nr\.?|id|code|is|was|reads|[:#=(–-]))*[ ]*"
    r"(?P<value>(?:[A-Za-z]{1,3}[ -])?[A-Za-z\d]*\d[A-Za-z\d]*(?:[ ./-][A-Za-z\d]*\d[A-Za-z\d]*)*(?:[ ][A-Z]\b)?)"
    r"(?![\w-])"
)
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|(?:19|20)\d\d")


def _id_document_value_valid(value: str) -> bool:
    """5-20 letters and digits, at least 4 of them digits, and not a date or a year."""
    compact = re.sub(r"[ ./-]", "", value)
    return 5 <= len(compact) <= 20 and sum(char.isdigit() for char in compact) >= 4 and not _DATE_LIKE.fullmatch(value)


_IPV4_HINT = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IPV6_HINT = re.compile(r"[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_PHONE = re.compile(
    r"""(?<![\w#$€£¥+.,/:=-])
    (?:
        \+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}   # +44 20 7946 0958, +15551234567
      | 00\d{1,3}[ .-]\d{2,4}(?:[ .-]?\d{2,4}){2,4}                       # 0044 20 7946 0958
      | \(\d{3}\)[ ]?\d{3}[ .-]\d{4}                                       # (555) 123-4567
      | [2-9]\d{2}([.-])\d{3}\1\d{4}                                       # 555-123-4567, 555.123.4567
      | [2-9]\d{2}[ ]\d{3}[ ]\d{4}                                         # 555 123 4567
      | 0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}                                   # 07911 123456, 020 7946 0958
    )
    (?P<ext>[ ]?,?[ ]?(?i:ext(?:ension)?|x)\.?[ ]?[:#]?[ ]?\d{1,6})?          # ext. 12, x123, extension 5
    (?!\w|[.,/:-]\d)""",
    re.X,
)
# A 7-digit local number is a phone when an extension follows it ("555-0199 ext. 42").
_PHONE_LOCAL_EXT = re.compile(
    r"(?<![\w#$.,/:=-])\d{3}[-. ]\d{4}[ ]?,?[ ]?(?i:ext(?:ension)?)\.?[ ]?[:#]?[ ]?\d{1,6}(?!\w|[.,/:-]\d)"
)
_PHONE_CUES = frozenset("call phone tel telephone text txt mobile cell whatsapp number mob".split())
_PHONE_LOCAL = re.compile(
    r"(?i)\b(?:call|phone|tel|telephone|text|txt|mobile|cell|whatsapp|number|mob)\b[^\d\n]{0,20}?"
    r"(?<![\d-])(\d{3}[-. ]\d{4})(?![\d-])"
)
# USPS street suffixes and their common abbreviations, plus British ones; words that are also common
# in marketplace prose after a number and a capitalised word ("3 Figma Views"?) are left out.
_STREET_TYPES = (
    "street st avenue ave av road rd boulevard blvd lane ln drive dr court ct way place pl terrace ter parkway pkwy "
    "highway hwy circle cir square sq crescent cres close alley aly plaza plz trail trl mill mills ridge ridges "
    "stream village villages vista crossing xing port ports rapids shoal shoals harbor harbors harbour pines "
    "extension extensions loaf fork forks ferry estates estate gardens gardens grove groves heights hollow "
    "island islands isle junction knoll knolls lakes lake landing lodge manor manors meadow meadows mews mission "
    "motorway mount mountain neck orchard oval overpass parks passage pike plain plains prairie radial ranch "
    "rest route row rue shore shores skyway springs spring spur squares stravenue summit throughway trace "
    "trafficway tunnel turnpike underpass valley valleys viaduct vista ville walk walks wells bypass canyon cape "
    "causeway cliff cliffs common commons corner corners cove coves creek crest curve dale dam divide expressway expy "
    "falls field fields flat flats ford fords forest forge fort freeway fwy glen glens green greens haven hill hills "
    "inlet burg burgs bayou bluff bluffs bottom branch bridge brook brooks gateway locks garden drive drives rise "
    "gate hts"
).split()
_STREET_TYPE_WORDS = frozenset(_STREET_TYPES)
_STREET_TYPE = rf"(?i:{'|'.join(sorted(set(_STREET_TYPES), key=len, reverse=True))})"
_NAME_WORD = r"(?:(?!The\b)[A-Z][A-Za-z'’-]+\.?|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)"
_UNIT = r"(?i:apt|apartment|suite|ste|unit|flat|fl|floor|room|rm)\.?[ ]*#?[\w-]+"
_CITY_TAIL = (
    r"(?:,?[ \t]*\n?[ \t]*(?:" + _UNIT + r"[ \t]*,?[ \t]*\n?[ \t]*)?[A-Z][A-Za-z'’-]+(?:[ ][A-Z][A-Za-z'’-]+){0,2}"
    r"(?:,?[ ]*(?:[A-Z]{2}[ ]+\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}))?)?"
)
_ADDRESS = re.compile(
    r"(?<![\w#$.,-])(?:(?i:flat|studio|apartment|unit|suite)[ ]+\d{1,4}[A-Za-z]?,?[ \t]*\n?[ \t]*(?:\d{1,5}[A-Za-z]?,?[ ]+)?"
    r"|\d{1,5}[A-Za-z]?,?[ ]+)"
    rf"(?:{_NAME_WORD}[ ]+){{1,4}}"
    rf"{_STREET_TYPE}\b\.?(?:[ ]+(?:NE|NW|SE|SW|N|S|E|W)\b\.?)?"
    rf"(?:,?[ \t]*\n?[ \t]*{_UNIT})?"
    + _CITY_TAIL
)
# French, Spanish, Italian and Portuguese street words, which come before the street's name.
_ROMANCE_STREET_WORDS = frozenset(
    "rue avenue boulevard bd chemin allée impasse quai cours calle avenida avda carrer plaza paseo camino ronda "
    "via viale piazza corso vicolo rua travessa largo praça".split()
)
_ROMANCE_STREET = (
    r"(?:(?i:rue|avenue|boulevard|bd|chemin|allée|impasse|quai|cours|calle|avenida|avda\.?|carrer|plaza|paseo|camino|"
    r"ronda|rua|travessa|largo|praça)|Via|Viale|Piazza|Corso|Vicolo)"
)
_ROMANCE_NAME = (
    r"(?:(?:de|del|de la|des|du|da|do|dos|das|di|della|dei|delle|degli|le|la|les|l['’]|d['’])[ ]*)*"
    r"[A-ZÀ-Þ][\w'’.-]*(?:[ ]+(?:(?:de|del|des|du|da|di|della|la|le|y|e)[ ]+)?[A-ZÀ-Þ][\w'’.-]*){0,3}"
)
_ADDRESS_ROMANCE = re.compile(
    rf"(?<!\w)(?:\d{{1,4}}[a-z]?(?:[ ]?(?:bis|ter))?,?[ ]+{_ROMANCE_STREET}[ ]+{_ROMANCE_NAME}"
    rf"|{_ROMANCE_STREET}[ ]+{_ROMANCE_NAME},?[ ]+(?:n\.?[º°o]?[ ]*)?\d{{1,4}}[a-zA-Z]?\b)"
    r"(?:,?[ \t]*\n?[ \t]*\d{4,5}(?:-\d{3})?[ ]+[A-ZÀ-Þ][\w'’-]+)?"
)
_PO_BOX = re.compile(r"(?i)\b(?:P\.?[ ]?O\.?[ ]?Box|Post[ ]Office[ ]Box)[ ]+\d{1,6}\b" + _CITY_TAIL)
_ADDRESS_EU = re.compile(
    r"\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee)[ ]+\d{1,4}[a-z]?\b"
    r"(?:,[ ]*\d{4,5}[ ]+[A-ZÄÖÜ][a-zäöüß]+)?"
)
# Words right before a number that make it an identifier rather than personal data.
_ID_CONTEXT = re.compile(
    r"(?i)(?:\b(?:order|invoice|ticket|id|ref|reference|tracking|isbn|sku|po|case|account|acct|serial|"
    r"version|ver|release|build|issue|pr|job|item|model|part|batch|v)\b\.?|#|no\.)[ \t]*(?:#|no\.?|number|num)?[ \t]*:?[ \t]*$"
)


def _has_id_context(text: str, start: int) -> bool:
    return bool(_ID_CONTEXT.search(text, max(0, start - 24), start))


# ---------------------------------------------------------------- obfuscated contact
_MAIL_PROVIDERS = frozenset("gmail googlemail yahoo hotmail outlook live icloud protonmail proton aol gmx yandex mail zoho".split())
_MAIL_PROVIDER = re.compile("(?i)" + "|".join(sorted(_MAIL_PROVIDERS, key=len, reverse=True)))
_TLDS = "com|net|org|io|co|me|info|biz|edu|us|uk|de|fr|es|it|nl|in|ru|ca|au|ua|pk|ng|ph|br"
_OBFUSCATED_EMAIL = re.compile(
    r"(?i)(?<![\w.])[a-z0-9][\w.+-]{0,40}?[ ]*(?P<at>[\[({<][ ]*(?:at|@)[ ]*[\])}>]|[ ]@[ ]?|@[ ]|[ ]at[ ])"
    r"[ ]*(?P<domain>[a-z0-9-]{2,30})[ ]*(?P<dot>[\[({<][ ]*(?:dot|\.)[ ]*[\])}>]|[ ]dot[ ]|[ ]?\.[ ]?)"
    rf"[ ]*(?:{_TLDS})\b"
)
# A mail provider named next to the mailbox, the domain left off: "my g-mail is jane.doe88",
# "gmail: jdoe", "jane.doe88 at gmail", "jdoe @ hotmail" (with a TLD they are emails, above).
_PROVIDER_NAMES = (
    r"g[- .]?mail|google[ ]?mail|yahoo(?:[ ]?mail)?|ymail|hot[- ]?mail|outlook|icloud|proton(?:[- ]?mail)?|aol|gmx|"
    r"yandex|zoho|fastmail|tutanota"
)
_PROVIDER_GATE_WORDS = frozenset(
    "gmail googlemail mail yahoo ymail hotmail hot outlook icloud proton protonmail aol gmx yandex zoho fastmail tutanota".split()
)
_HANDLE_TEXT = r"[A-Za-z0-9][\w.+-]{0,40}[A-Za-z0-9]"
_PROVIDER_THEN_HANDLE = re.compile(
    rf"(?i)\b(?:my[ ]+(?P<mine>{_PROVIDER_NAMES})(?:[ ]+(?:address|account|id|handle|username|user[ ]name|e-?mail|mail))?"
    rf"(?:[ ]+is[ ]*:?|[ ]*[:=])|(?P<labelled>{_PROVIDER_NAMES})[ ]*:)[ ]*(?P<handle>{_HANDLE_TEXT})"
)
_HANDLE_THEN_PROVIDER = re.compile(
    rf"(?i)(?<![\w.+@-])(?P<handle>{_HANDLE_TEXT})[ ]*(?P<at>@|[\[({{<][ ]?at[ ]?[\])}}>]|[ ]at[ ]|[ ]on[ ]|[ ]?[\[(]|[ ])[ ]*"
    rf"(?:{_PROVIDER_NAMES})\b[\])]?"
    rf"(?P<tld>\.[a-z]{{2,24}}\b|[ ]*(?:\.|dot\b|[\[({{<][ ]?dot[ ]?[\])}}>])[ ]*(?:{_TLDS})\b)?"
)
# Words that follow "my gmail is" or precede "at yahoo" without being a mailbox.
_NOT_MAILBOXES = frozenset(
    "me us you him her them it i we they this that the a an my your his our their not no full down up broken blocked "
    "hacked linked connected verified also still fine ok okay same different old new private personal public here "
    "there below above attached in on being so very too really just now currently disabled suspended locked closed "
    "deleted gone dead slow better best where what how why when which primary main work business empty spam junk "
    "back over off out good bad great open active inactive synced mine yours unavailable available weird strange "
    "secure safe shared only unused outdated fixed set used easy hard everything nothing someone anyone team "
    "support sales staff office job jobs career intern engineer manager friend friends people folks account "
    "address inbox email mail login password settings yes done pending todo tbd none required optional supported "
    "enabled integrated".split()
)
_CLAUSE_END = re.compile(r"[ ]*(?:$|[.,;:!?)\n]|(?i:and|or|so|if|thanks|thank|pls|please|for|to|cheers)\b)")
_MAIL_CUE = re.compile(r"(?i)\b(?:e-?mail|mail|write|contact|reach|ping|message|msg|inbox|address)\b")
_AMBIGUOUS_PROVIDERS = frozenset({"outlook"})  # "my outlook is optimistic"
# Letters with a digit, dot or underscore in them: "jane.doe88", "j_smith"; not "v2.1", "2024" or "Node.js".
_HANDLE_SHAPED = re.compile(
    r"(?=.*[A-Za-z].*[A-Za-z])(?=.*[\d._])(?!.*\.(?i:js|ts|net|py|io|com|org|php|rb|go)$)[A-Za-z][\w.+-]*[A-Za-z0-9]"
)


def _plausible_mailbox(text: str, match: re.Match[str], *, needs_cue: bool) -> bool:
    """A handle with a digit, dot, underscore or plus is a mailbox; a plain word must not be a
    common word or verb form, must end its clause, and (`needs_cue`) follow a mail cue."""
    handle = match.group("handle")
    if any(char.isdigit() or char in "._+" for char in handle):
        return True
    lowered = handle.lower()
    if (
        not handle.isalpha()
        or len(handle) < 3
        or lowered in _NOT_MAILBOXES
        or (len(lowered) >= 5 and lowered.endswith(("ing", "ed")))
        or not _CLAUSE_END.match(text, match.end())
    ):
        return False
    if not needs_cue:
        return True
    clause_start = max(text.rfind(mark, 0, match.start()) for mark in ".!?;\n") + 1
    return _MAIL_CUE.search(text, clause_start, match.start()) is not None


_BRACKETED_AT = re.compile(r"[\[({<] ?at ?[\])}>]")
_SINGLE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SPACED_CHARS = re.compile(r"(?<![\w@])(?:[A-Za-z0-9@][ .*_-]{1,3}){5,}[A-Za-z0-9@](?![\w@])")
_SPACED_SEPARATORS = re.compile(r"[ *_-]")
_PROVIDER_WORDS = re.compile(r"(?i)gmail|yahoo|hotmail|outlook|icloud|whatsapp|telegram|skype|signal|proton")
_NUMBER_WORDS = frozenset("zero oh one two three four five six seven eight nine".split())
_SPELLED_DIGITS = re.compile(
    rf"(?i)\b(?:{'|'.join(sorted(_NUMBER_WORDS))}|\d{{1,4}})(?:[ ,.-]{{1,3}}(?:{'|'.join(sorted(_NUMBER_WORDS))}|\d{{1,4}})){{4,}}\b"
)
_NUMBER_WORD = re.compile(rf"(?i)\b(?:{'|'.join(sorted(_NUMBER_WORDS))})\b")
_MESSENGER_LINK = re.compile(
    r"(?i)\b(?:wa\.me|t\.me|telegram\.me|m\.me|signal\.me|join\.skype\.com|chat\.whatsapp\.com)/[\w+/-]+"
)
_HANDLE = re.compile(r"(?<![\w@.+-])@[A-Za-z_][A-Za-z0-9_.]{1,29}")
_APP_WORDS = frozenset(
    "whatsapp whats telegram tg skype signal wechat viber discord snapchat snap instagram insta ig facebook "
    "messenger kik line imessage".split()
)
_HANDLE_CUES = _APP_WORDS | frozenset("twitter x tiktok dm message contact add find follow reach handle username user me".split())
_CODE_HANDLES = frozenset(
    "property staticmethod classmethod dataclass override media import keyframes font-face param return returns "
    "throws see deprecated since author version type example app pytest mock patch fixture types angular babel "
    "vue nestjs jest everyone here channel all charset supports layer tailwind apply extend use mixin include "
    "component injectable input output viewchild hostlistener autowired test before after bean entity id "
    "column table get post put delete controller service repository transactional interface implementation "
    "end synthesize protocol objc available main observable published state binding environment".split()
)


# ---------------------------------------------------------------- phrase rules
@dataclass(frozen=True)
class PhraseRule:
    """One phrase pattern; it only runs when the text contains one of `words` (or `substrings`)."""

    category: str
    label: str
    score: float
    pattern: re.Pattern[str]
    words: frozenset[str] = frozenset()
    substrings: tuple[str, ...] = ()
    negatable: bool = False


def _rule(category: str, label: str, score: float, pattern: str, words: str = "", substrings: tuple[str, ...] = (), negatable: bool = False, flags: int = 0) -> PhraseRule:
    return PhraseRule(category, label, score, re.compile(pattern, re.I | flags), frozenset(words.split()), substrings, negatable)


_APPS = r"whats\s?app|telegram|tg|skype|signal|wechat|viber|discord|snapchat|snap|instagram|insta|ig|facebook|messenger|kik|line|imessage"
_APP_KEYWORDS = " ".join(sorted(_APP_WORDS))
_PAYMENT_RAILS = (
    r"paypal|venmo|zelle|cash\s?app|wise|transferwise|western\s+union|moneygram|payoneer|revolut|"
    r"crypto|bitcoin|btc|usdt|ethereum|bank\s+transfer|wire\s+transfer|direct\s+deposit"
)
_PLATFORM = r"platform|site|website|app|upwork|fiverr|freelancer|marketplace|here"

_OFF_PLATFORM_RULES = [
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.95,
          rf"\bpay(?:ment|ing)?\s+(?:me\s+|you\s+|us\s+)?(?:directly\s+)?(?:outside|off)\b(?:\s+(?:of\s+)?(?:the\s+|this\s+)?(?:{_PLATFORM}))?",
          "outside off", negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.9,
          rf"\b(?:via|through|by|over|on|with|using|to)\s+(?:my\s+)?(?:{_PAYMENT_RAILS})\s+directly\b|"
          rf"\bdirectly\s+(?:via|through|by|over|on|with|using|to)\s+(?:my\s+)?(?:{_PAYMENT_RAILS})\b",
          "directly", negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.9,
          rf"\bsend\s+(?:it|the\s+money|the\s+payment|payment|the\s+funds|funds)\s+(?:straight\s+)?to\s+my\s+(?:{_PAYMENT_RAILS})\b",
          "send", negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.95,
          r"\b(?:message|msg|text|contact|reach|ping|dm|add|find|call|chat\s+with|talk\s+to|hit)\s+me\s+(?:up\s+)?"
          rf"(?:on|at|via|through|over|in)\s+(?:{_APPS})\b",
          _APP_KEYWORDS, negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.9, rf"\bmy\s+(?:{_APPS})\s*(?:is|:|id|number|handle|username|account)\b",
          _APP_KEYWORDS, negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.9,
          r"\b(?:let'?s|we\s+(?:can|could|should)|i\s+(?:prefer|would\s+like)\s+to|can\s+we)\s+(?:talk|chat|continue|move|connect|"
          rf"communicate|discuss|switch|speak)\b(?:\s+\w+){{0,3}}?\s+(?:on|via|over|through|to)\s+(?:{_APPS}|email|e-mail|phone)\b",
          _APP_KEYWORDS + " email mail phone", negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.95,
          r"\b(?:take|move|continue|bring|keep|handle|do)\s+(?:this|it|things|our\s+(?:conversation|chat|work|deal|project|talk))\s+"
          rf"(?:off|outside)\s*(?:of\s+)?(?:the\s+|this\s+)?(?:{_PLATFORM})\b",
          "off outside", negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.85, r"\boff[- ](?:the[- ])?platform\b", "off", negatable=True),
    _rule(OFF_PLATFORM, "OFF_PLATFORM", 0.9,
          r"\b(?:avoid|skip|save\s+on|bypass|dodge|cut\s+out|get\s+around|circumvent|without\s+paying)\s+(?:the\s+|their\s+|your\s+|any\s+)?"
          r"(?:platform'?s?\s+|service\s+|upwork'?s?\s+|fiverr'?s?\s+|site'?s?\s+|middleman\s+)?(?:fees?|commission|cut)\b",
          "fee fees commission cut", negatable=True),
]

_AI_WORDS = "ai ais llm llms model models assistant assistants bot bots screener screeners chatgpt gpt gemini claude language automated"
_PROMPT_INJECTION_RULES = [
    _rule(PROMPT_INJECTION, "INJECTION", 0.95,
          r"\b(?:ignore|disregard|forget|override|bypass|skip)\s+(?:(?:all|any|each|every|the|your|these|those|my|of)\s+){0,3}"
          r"(?:previous|prior|above|earlier|preceding|original|system|developer|initial|existing|other)\s+"
          r"(?:instructions?|prompts?|rules|directions|directives|guidelines|messages|context|commands)\b",
          "ignore disregard forget override bypass skip"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9,
          r"\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+(?:(?:that\s+)?you(?:'ve|\s+have|\s+were|'re|\s+are)?\s+(?:been\s+)?"
          r"(?:told|given|read|instructed)(?!\s+(?:about|on|regarding)\b)|above|before|previously)\b",
          "ignore disregard forget"),
    # "Ignore the job description above. Your new task is ...": text that re-tasks its reader
    _rule(PROMPT_INJECTION, "INJECTION", 0.85,
          r"\byour\s+(?:new|real|actual|true)\s+(?:task|instructions?|objective|directive|prompt)\s+(?:is|are|now|:)",
          "new real actual true"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9,
          r"\byou\s+are\s+now\s+(?:(?:a|an|the|my)\s+(?:\w+\s+){0,2}?(?:ai|assistant|bot|model|chatbot|character|persona|hacker)\b|"
          r"dan\b|in\s+(?:developer|god|jailbreak|unrestricted)\s+mode|unrestricted|unfiltered|jailbroken|free\s+from|no\s+longer\s+bound|not\s+bound)",
          "now"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.7, r"\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|should|have\s+no)\b", "now"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9, r"\b(?:act|behave)\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|dan)\b",
          "act behave"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.95,
          r"\b(?:reveal|show|print|repeat|output|display|leak|dump|tell\s+me|what\s+(?:is|are)|what's|give\s+me)\s+(?:me\s+)?"
          r"(?:your|the)\s+(?:(?:full|entire|exact|hidden|secret)\s+)?(?:system|initial|hidden|original|developer)\s+(?:prompt|instructions|message)",
          "prompt instructions message"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9, r"\b(?:new|updated|real|override|actual)\s+system\s+(?:prompt|instructions?)\b|\bsystem\s+prompt\s*:",
          "system"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9, r"<\|?(?:im_start\|>system|system\|>)|<<SYS>>|\[/?INST\]|^#{2,3}\s*system\s*:?\s*$|\[system\]",
          "system sys inst", flags=re.M),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9,
          r"\bif\s+you\s+(?:are|'re)\s+(?:an?\s+)?(?:ai|llm|large\s+language\s+model|language\s+model|chatgpt|gpt|"
          r"gemini|claude|assistant|bot|automated\s+(?:system|tool|screener))\b",
          _AI_WORDS),
    _rule(PROMPT_INJECTION, "INJECTION", 0.9, r"\bnote\s+to\s+(?:the\s+|any\s+)?(?:ai|llm|assistant|model|chatgpt|bot|screener)\b", "note"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.85,
          r"\b(?:ai|llm|assistant|model|bot|screener)s?\s*[,:]\s*(?:please\s+)?(?:ignore|disregard|rate|score|rank|recommend|select|"
          r"shortlist|approve|hire)\b",
          _AI_WORDS),
    _rule(PROMPT_INJECTION, "INJECTION", 0.85,
          r"\b(?:rank|rate|score|recommend|select|choose|shortlist|approve)\s+(?:this|me|my)\s+(?:proposal|application|candidate|"
          r"profile|bid|submission)?\s*(?:as\s+)?(?:the\s+)?(?:best|highest|top|first|#1|number\s+one|10/10|a\s+perfect)\b",
          "rank rate score recommend select choose shortlist approve"),
    _rule(PROMPT_INJECTION, "INJECTION", 0.85,
          r"<!--[^>]{0,300}?\b(?:ignore|disregard|instructions?|ai|assistant|llm|model|prompt)\b[^>]{0,300}?-->", substrings=("<!--",)),
    _rule(PROMPT_INJECTION, "INJECTION", 0.8,
          r"(?:display\s*:\s*none|font-size\s*:\s*0(?:px|pt)?\b|color\s*:\s*(?:white|#fff(?:fff)?)\b)[^<]{0,20}>[^<]{0,200}"
          r"\b(?:ignore|instructions?|ai|assistant|llm|prompt)\b",
          "display font color"),
]
# Unicode tag characters (U+E0000-U+E007F) render invisibly: hidden text, no honest use in a proposal.
_HIDDEN_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]+")

_GROUPS = (
    r"men|women|males?|females?|guys|girls|ladies|boys|christians?|muslims?|jews|jewish|hindus?|sikhs?|buddhists?|"
    r"atheists?|catholics?|whites?|blacks?|asians?|hispanics?|latinos?|arabs?|young\s+people|youngsters|americans|"
    r"europeans|indians|pakistanis|nigerians|filipinos|chinese|russians|africans"
)
_GROUP_WORDS = (
    "men women male males female females guys girls ladies boys christian christians muslim muslims jews jewish hindu "
    "hindus sikh sikhs buddhist buddhists atheist atheists catholic catholics white whites black blacks asian asians "
    "hispanic hispanics latino latinos arab arabs young youngsters americans europeans indians pakistanis nigerians "
    "filipinos chinese russians africans"
)
_NATIONALITIES = r"indians?|pakistanis?|nigerians?|filipinos?|chinese|russians?|africans?|asians?|arabs?|bangladeshis?|mexicans?|ukrainians?|muslims?|jews"
_NATIONALITY_WORDS = (
    "indian indians pakistani pakistanis nigerian nigerians filipino filipinos chinese russian russians african "
    "africans asian asians arab arabs bangladeshi bangladeshis mexican mexicans ukrainian ukrainians muslim muslims jews"
)
_HIRING_RULES = [
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.9,
          r"\b(?:only|just|exclusively)\s+(?:hire|hiring|accept(?:ing)?|consider(?:ing)?|want(?:ing)?|looking\s+for|interested\s+in|work\s+with)\s+"
          rf"(?:\w+\s+){{0,2}}?(?:{_GROUPS})\b",
          _GROUP_WORDS),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.85,
          r"\b(?:only|must\s+be|should\s+be|candidates?|applicants?|freelancers?|hire|hiring)\s+(?:\w+\s+){0,3}?"
          r"(?:under|below|younger\s+than|over|older\s+than|not\s+older\s+than|no\s+older\s+than|aged?)\s+\d{2}\b"
          r"(?!\s*(?:\$|dollars|usd|eur|euros|%|percent|hours?|hrs|h\b|days?|weeks?|k\b|pages|words|minutes|mins|projects|jobs|reviews|"
          r"items|mb|gb|ms|seconds|secs|lines|per))",
          "under below younger over older age aged"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.8,
          r"\bage\s*(?:limit|requirement|range)?\s*:?\s*\d{2}\s*(?:-|to|–)\s*\d{2}\b(?=\s*(?:years?|yrs|y/?o|only|max|\.|,|$))", "age"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.8, r"\b\d{2}\s*(?:years?|yrs)\s*(?:old\s*)?(?:or\s+(?:younger|under|less)|max(?:imum)?)\b",
          "younger under less max maximum"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.85,
          r"\bno\s+(?:one|applicants?|candidates?|freelancers?|body|people)\s+(?:over|older\s+than|above)\s+\d{2}\b", "over older above"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.9,
          r"\bno\s+(?:pregnant|married|disabled|old|older|elderly|handicapped)\s+"
          r"(?:women|woman|people|persons|applicants|candidates|freelancers|workers|ladies|men|mothers|moms)\b",
          "pregnant married disabled old older elderly handicapped"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.8,
          r"\bno\s+(?:women|females|mothers|moms|mums|men|males)\b(?:\s+(?:please|allowed|applicants|candidates|need\s+apply))?",
          "women females mothers moms mums men males"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.9,
          rf"\bno\s+(?:{_NATIONALITIES})\b(?:\s+(?:please|allowed|applicants|candidates|freelancers|need\s+apply))", _NATIONALITY_WORDS),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.9,
          r"\bmust\s+(?:be|identify\s+as)\s+(?:a\s+)?(?:christian|muslim|jewish|hindu|catholic|protestant|male|female|man|woman|"
          r"white|young|single|unmarried|childless|native[- ]born|straight|heterosexual)\b",
          "must"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.85,
          r"\bnative\s+(?:\w+\s+)?speakers?\s+only\s+from\b(?:\s+(?:the\s+)?[A-Z]\w+)?|\bonly\s+native\s+(?:\w+\s+)?speakers?\s+from\b(?:\s+(?:the\s+)?[A-Z]\w+)?",
          "native"),
    _rule(HIRING_DISCRIMINATION, "DISCRIMINATION", 0.9,
          r"\b(?:not|never)\s+hir(?:e|ing)\s+(?:\w+\s+){0,2}?(?:pregnant|women|mothers|older|old|disabled|muslims?|christians?|jews)\b",
          "hire hiring"),
]
PHRASE_RULES: tuple[PhraseRule, ...] = (*_OFF_PLATFORM_RULES, *_PROMPT_INJECTION_RULES, *_HIRING_RULES)
# keyword -> indices of the rules it wakes up; one set intersection per text finds the rules to run.
_RULES_BY_WORD: dict[str, list[int]] = {}
for _index, _phrase_rule in enumerate(PHRASE_RULES):
    for _keyword in _phrase_rule.words:
        _RULES_BY_WORD.setdefault(_keyword, []).append(_index)
_RULE_WORDS: frozenset[str] = frozenset(_RULES_BY_WORD)
_SUBSTRING_RULES: tuple[tuple[int, str], ...] = tuple((i, s) for i, r in enumerate(PHRASE_RULES) for s in r.substrings)


def _rules_to_run(lower: str, words: set[str]) -> list[PhraseRule]:
    found = words & _RULE_WORDS
    if not found and not _SUBSTRING_RULES:
        return []
    indices = {i for word in found for i in _RULES_BY_WORD[word]}
    for index, substring in _SUBSTRING_RULES:
        if substring in lower:
            indices.add(index)
    return [PHRASE_RULES[i] for i in sorted(indices)]

_NEGATION = re.compile(
    r"(?i)\b(?:not|never|no|don'?t|do\s+not|doesn'?t|won'?t|can'?t|cannot|shouldn'?t|mustn'?t|refuse|avoid|against|"
    r"without|instead\s+of|rather\s+than|policy|prohibited|forbidden|violates?|risky|unsafe|scam)\b|n't\b"
)
_VERDICT_AFTER = re.compile(
    r"(?i)[^.!?;\n]{0,20}?\b(?:is|are|would\s+be|violates?|breaks?|breaches?)\s+(?:\w+\s+)?(?:against|not\s+(?:allowed|permitted)|"
    r"prohibited|forbidden|risky|unsafe|a\s+scam|banned|the\s+(?:rules|terms|tos|policy)|our\s+(?:rules|terms|policy))"
)
_WORD = re.compile(r"[a-z0-9']+")


def _negated(text: str, start: int, end: int) -> bool:
    """The phrase is warned against, not proposed: a negation earlier in its clause ("don't pay
    outside the platform") or a verdict right after it ("... off the platform is against the rules")."""
    before = text[max(0, start - 40) : start]
    cut = max(before.rfind(mark) for mark in ".!?;,\n")
    if _NEGATION.search(before[cut + 1 :]):
        return True
    return bool(_VERDICT_AFTER.match(text, end, min(len(text), end + 40)))


# ---------------------------------------------------------------- the classifier
@dataclass(frozen=True)
class RuleHit:
    start: int
    end: int
    category: str
    label: str
    score: float


class RuleClassifier:
    """Regex + validator rules for pii, off_platform, prompt_injection and hiring_discrimination."""

    name = "rules"

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        return [self.classify_one(text) for text in texts]

    def classify_one(self, text: str) -> Classification:
        hits = self.hits(text)
        scores: dict[str, float] = {}
        for hit in hits:
            if hit.score > scores.get(hit.category, 0.0):
                scores[hit.category] = hit.score
        return Classification(scores=scores, spans=[Span(h.start, h.end, h.category, h.label) for h in hits])

    def hits(self, text: str) -> list[RuleHit]:
        """Every rule hit in `text`, sorted by position; rules read the analysis view, spans point into `text`."""
        view, origin = analysis_view(text)
        if _LOOKALIKE_HINT.search(view):
            view = _lookalike_digits_as_digits(view)
        lower = view.lower()
        words = set(_WORD.findall(lower))
        hits = [
            RuleHit(h.start, h.end, OFF_PLATFORM if h.label in CONTACT_LABELS else PII, h.label, h.score)
            for h in pii.analyze(view, id_context=_has_id_context)
        ]
        for rule in _rules_to_run(lower, words):
            for match in rule.pattern.finditer(view):
                if not (rule.negatable and _negated(view, match.start(), match.end())):
                    hits.append(RuleHit(match.start(), match.end(), rule.category, rule.label, rule.score))
        if origin is not None:
            hits = [RuleHit(origin[h.start], origin[h.end - 1] + 1, h.category, h.label, h.score) for h in hits]
        if not text.isascii():
            for match in _HIDDEN_TAG_CHARS.finditer(text):
                hits.append(RuleHit(match.start(), match.end(), PROMPT_INJECTION, "HIDDEN_TEXT", 0.95))
        hits.sort(key=lambda h: (h.start, h.end, h.category, h.label))
        return hits


def _text_words(text: str) -> tuple[str, set[str]]:
    lower = text.lower()
    return lower, set(_WORD.findall(lower))


# ---------------------------------------------------------------- our Presidio recognizers (safety/classifiers/pii.py)
# Each takes the analysis view and returns (start, end, score) triples; pii.py registers them in the
# Presidio registry next to Presidio's own e-mail, phone, card, IBAN, SSN and IP recognizers.
def find_addresses(text: str) -> list[tuple[int, int, float]]:
    """Street addresses: "221B Baker Street, London", "1600 Pennsylvania Ave NW, Washington, DC 20500",
    "Hauptstraße 5, 10115 Berlin", "12 rue de la Paix", "Calle Mayor 15", "Flat 4, 7 High St"."""
    lower, words = _text_words(text)
    patterns = []
    if not words.isdisjoint(_STREET_TYPE_WORDS):
        patterns.append(_ADDRESS)
    if "stra" in lower or "str." in lower or "weg " in lower or "gasse" in lower or "platz" in lower or "allee" in lower:
        patterns.append(_ADDRESS_EU)
    if not words.isdisjoint(_ROMANCE_STREET_WORDS):
        patterns.append(_ADDRESS_ROMANCE)
    if "box" in words:
        patterns.append(_PO_BOX)
    found = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            end = match.end()
            while end > match.start() and text[end - 1] in ", ":
                end -= 1
            found.append((match.start(), end, 0.85))
    return found


def may_hold_id_document(text: str) -> bool:
    """Cheap check: a word that can introduce an identity-document number (or "SSN")."""
    _, words = _text_words(text)
    return not words.isdisjoint(_ID_DOCUMENT_WORDS) or "ssn" in words


def find_id_documents(text: str) -> list[tuple[int, int, float]]:
    """Identity-document numbers after their keyword ("passport no. X1234567")."""
    _, words = _text_words(text)
    if words.isdisjoint(_ID_DOCUMENT_WORDS):
        return []
    found = []
    for match in _ID_DOCUMENT_NUMBER.finditer(text):
        if _id_document_value_valid(match.group("value")):
            start, end = match.span("value")
            found.append((start, end, 0.9))
    return found


def find_keyword_ssns(text: str) -> list[tuple[int, int, float]]:
    """SSNs right after "SSN" / "social security number", in any of the three shapes; with the keyword
    even the published sample numbers Presidio rejects (078-05-1120) are redacted."""
    _, words = _text_words(text)
    if "ssn" not in words and "social" not in words:
        return []
    return [(m.start(1), m.end(1), 0.95) for m in _SSN_KEYWORD.finditer(text)]


def find_local_phones(text: str) -> list[tuple[int, int, float]]:
    """7-digit local numbers with an extension or after a phone cue ("call me on 555-0199")."""
    _, words = _text_words(text)
    found = []
    if "ext" in words or "extension" in words:
        found += [(m.start(), m.end(), 0.85) for m in _PHONE_LOCAL_EXT.finditer(text)]
    if not _PHONE_CUES.isdisjoint(words):
        found += [(m.start(1), m.end(1), 0.85) for m in _PHONE_LOCAL.finditer(text)]
    return found


def may_hold_obfuscated_contact(text: str) -> bool:
    """Cheap check: could `find_obfuscated_contacts` or `find_handles` find anything here?"""
    lower, words = _text_words(text)
    return (
        "@" in text
        or "dot" in words
        or not words.isdisjoint(_PROVIDER_GATE_WORDS)
        or len(words & _SINGLE_CHARS) >= 4
        or not _NUMBER_WORDS.isdisjoint(words)
        or ".me/" in lower or "skype.com/" in lower or "whatsapp.com/" in lower
    )


def find_obfuscated_contacts(text: str) -> list[tuple[int, int, float]]:
    """Contact details written to slip past filters: spelled-out, spaced, bracketed; messenger links."""
    lower, words = _text_words(text)
    found: list[tuple[int, int, float]] = []

    def add(start: int, end: int, score: float = 0.9) -> None:
        found.append((start, end, score))

    if (
        "dot" in words
        or " @" in text
        or "@ " in text
        or not words.isdisjoint(_MAIL_PROVIDERS)
        or ("at" in words and _BRACKETED_AT.search(lower))
    ):
        for match in _OBFUSCATED_EMAIL.finditer(text):
            # every match is obfuscated by construction (spaces or brackets around "@", or "at"/"dot" words)
            plain_word_at = match.group("at").strip().lower() == "at"
            if plain_word_at and match.group("dot").strip() == "." and not _MAIL_PROVIDER.fullmatch(match.group("domain")):
                continue  # "find us at example.com" names a website, not a mailbox
            add(match.start(), match.end())
    if not words.isdisjoint(_PROVIDER_GATE_WORDS):
        for match in _PROVIDER_THEN_HANDLE.finditer(text):
            provider = (match.group("mine") or match.group("labelled")).lower()
            # "my gmail is kowalczyk" names its own mailbox; "Gmail: done" in a checklist needs a mail cue
            if _plausible_mailbox(text, match, needs_cue=match.group("labelled") is not None) and (
                provider not in _AMBIGUOUS_PROVIDERS or not match.group("handle").isalpha()
            ):
                add(match.start("handle"), match.end("handle"))
        for match in _HANDLE_THEN_PROVIDER.finditer(text):
            connector = match.group("at").strip().lower()
            if connector == "@" and match.group("tld"):
                continue  # a whole address: EMAIL, or an obfuscated one above
            if connector in ("", "(", "["):  # "jane.doe88 gmail(.com)", "jdoe88 (gmail)": only a handle-shaped handle
                if _HANDLE_SHAPED.fullmatch(match.group("handle")) and (
                    connector or match.group("tld") or _CLAUSE_END.match(text, match.end())
                ):
                    add(match.start(), match.end())
            elif _plausible_mailbox(text, match, needs_cue=connector in ("at", "on")):
                add(match.start(), match.end())
    if len(words & _SINGLE_CHARS) >= 4:  # "j o h n @ ...", "5 5 5 1 2 ..." leave single-character words
        for match in _SPACED_CHARS.finditer(text):
            collapsed = _SPACED_SEPARATORS.sub("", match.group())
            digits = sum(char.isdigit() for char in collapsed)
            at = collapsed.find("@")
            if (0 < at < len(collapsed) - 1) or digits >= 7 or _PROVIDER_WORDS.search(collapsed):
                add(match.start(), match.end())
    if not _NUMBER_WORDS.isdisjoint(words):
        for match in _SPELLED_DIGITS.finditer(text):
            fragment = match.group()
            spelled = len(_NUMBER_WORD.findall(fragment))
            if spelled >= 3 and spelled + sum(char.isdigit() for char in fragment) >= 7:
                add(match.start(), match.end())
    if ".me/" in lower or "skype.com/" in lower or "whatsapp.com/" in lower:
        for match in _MESSENGER_LINK.finditer(text):
            add(match.start(), match.end(), 0.95)
    return found


def find_handles(text: str) -> list[tuple[int, int, float]]:
    """Social @handles (not decorators, annotations, npm scopes or CSS at-rules)."""
    if "@" not in text:
        return []
    lower = text.lower()
    return [(h.start, h.end, h.score) for m in _HANDLE.finditer(text) if (h := _handle_hit(text, lower, m)) is not None]


def _handle_hit(text: str, lower: str, match: re.Match[str]) -> RuleHit | None:
    """`@name` as a social handle; decorators, annotations, npm scopes and CSS at-rules are not handles.
    Scored 0.95 after a contact cue ("find me on ig @x"), else 0.7 (raise the threshold to require cues)."""
    handle = match.group().rstrip(".")
    end = match.start() + len(handle)
    if text[end : end + 1] in ("(", "/", ":", "{") or handle[1:].lower() in _CODE_HANDLES:
        return None
    line_start = text.rfind("\n", 0, match.start()) + 1
    if not text[line_start : match.start()].strip():
        return None  # `@something` opening a line is a decorator or annotation
    before = set(_WORD.findall(lower[max(0, match.start() - 24) : match.start()]))
    score = 0.95 if not _HANDLE_CUES.isdisjoint(before) else 0.7
    return RuleHit(match.start(), end, OFF_PLATFORM, "HANDLE", score)
