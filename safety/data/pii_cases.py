"""Synthetic PII records for measuring the PII tier: cards, phones, e-mails, IBANs, SSNs, IPs and
street addresses in many formats and locales, inside marketplace sentences. Deterministic.

Faker-style, written for this project (no public PII benchmark is used): names, streets and
cities come from small pools per locale; numbers are generated to be valid (Luhn for cards,
mod-97 for IBANs, python-phonenumbers for phones), so a miss is the detector's fault.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

FIRST = ["maria", "john", "aisha", "wei", "olga", "carlos", "priya", "tom", "fatima", "lucas", "yuki", "amara", "sven", "ines"]
LAST = ["garcia", "smith", "khan", "chen", "ivanova", "silva", "patel", "o'neil", "haddad", "muller", "tanaka", "okafor", "berg"]
DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "proton.me", "studio-north.io", "web.de", "orange.fr", "mail.ru", "uni-koeln.de"]
STREET_NAMES = ["Maple", "Oak", "Lincoln", "Washington", "Hill", "Lake", "Park", "Church", "Victoria", "King", "Highland", "Sunset", "Garcia", "Cedar"]
US_SUFFIXES = ["Street", "St.", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Drive", "Dr.", "Court", "Way", "Place",
               "Terrace", "Trail", "Parkway", "Circle", "Ridge", "Crossing", "Mill", "Harbor", "Plaza", "Square"]
US_CITIES = [("Springfield", "IL"), ("Austin", "TX"), ("Portland", "OR"), ("Denver", "CO"), ("Boston", "MA"), ("Tampa", "FL")]
UK_STREETS = ["High Street", "Station Road", "Church Lane", "Mill Close", "Victoria Road", "Green Lane", "King's Road"]
UK_CITIES = [("London", "SW1A 1AA"), ("Leeds", "LS1 4DY"), ("Bristol", "BS1 5TR"), ("Glasgow", "G2 3BZ"), ("Cardiff", "CF10 1EP")]
DE_STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee", "Marktplatz", "Goethestr."]
DE_CITIES = [("10115", "Berlin"), ("80331", "München"), ("50667", "Köln"), ("20095", "Hamburg")]
FR_STREETS = ["rue de la Paix", "avenue Victor Hugo", "boulevard Saint-Michel", "rue des Lilas", "chemin du Moulin"]
FR_CITIES = [("75002", "Paris"), ("69001", "Lyon"), ("13001", "Marseille"), ("33000", "Bordeaux")]
ES_STREETS = ["Calle Mayor", "Avenida de América", "Calle del Sol", "Paseo de Gracia", "Carrer de Balmes"]
ES_CITIES = [("28013", "Madrid"), ("08007", "Barcelona"), ("41001", "Sevilla")]
IT_STREETS = ["Via Roma", "Via Garibaldi", "Corso Venezia", "Piazza Navona", "Viale Monza"]
IT_CITIES = [("00184", "Roma"), ("20121", "Milano"), ("50122", "Firenze")]

PHONE_REGIONS = ["US", "GB", "DE", "FR", "ES", "IT", "IN", "BR", "AU", "NL", "MX", "PL", "NG", "PH", "CA", "IE"]
IBAN_LAYOUTS = {"DE": "n18", "GB": "a4n14", "FR": "n10c11n2", "ES": "n20", "IT": "a1n10c12", "NL": "a4n10", "PL": "n24", "BE": "n12"}

SENTENCES = [
    "Sure, you can reach me at {x} any time.",
    "My details for the contract: {x}",
    "{x}",
    "Please ship the samples to {x}, thanks!",
    "Client asked me to use {x} for the payment.",
    "Here it is: {x}. Let me know if you need anything else.",
    "Contact: {x}\nAvailable Mon-Fri.",
    "for the contract, {x}",
]


@dataclass(frozen=True)
class PiiCase:
    text: str
    entity: str  # CARD, PHONE, EMAIL, IBAN, SSN, IP, ADDRESS
    value: str


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for position, char in enumerate(reversed(body + "0")):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    kind = rng.choice(["visa", "mc", "amex", "discover"])
    if kind == "amex":
        digits = _luhn_complete(rng.choice(["34", "37"]), 15, rng)
        return rng.choice([f"{digits[:4]} {digits[4:10]} {digits[10:]}", digits, f"{digits[:4]}-{digits[4:10]}-{digits[10:]}"])
    prefix = {"visa": "4", "mc": rng.choice(["51", "53", "55", "2221"]), "discover": "6011"}[kind]
    digits = _luhn_complete(prefix, 16, rng)
    groups = [digits[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice([" ".join(groups), "-".join(groups), digits])


def phone(rng: random.Random) -> str:
    import phonenumbers

    region = rng.choice(PHONE_REGIONS)
    kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    for _ in range(50):
        national = str(example.national_number)
        keep = max(2, len(national) - 4)
        candidate = national[:keep] + "".join(rng.choice(string.digits) for _ in range(len(national) - keep))
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            break
    else:
        number = example
    style = rng.choice([phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.NATIONAL])
    return phonenumbers.format_number(number, style)


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST).replace("'", "")
    local = rng.choice([f"{first}.{last}", f"{first}{rng.randint(1, 99)}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(70, 99)}"])
    return f"{local}@{rng.choice(DOMAINS)}"


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(IBAN_LAYOUTS))
    layout = IBAN_LAYOUTS[country]
    parts = []
    index = 0
    while index < len(layout):
        kind = layout[index]
        index += 1
        number = ""
        while index < len(layout) and layout[index].isdigit():
            number += layout[index]
            index += 1
        pool = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}[kind]
        parts.append("".join(rng.choice(pool) for _ in range(int(number))))
    bban = "".join(parts)
    rearranged = bban + country + "00"
    check = 98 - int("".join(str(int(char, 36)) for char in rearranged)) % 97
    compact = f"{country}{check:02d}{bban}"
    return rng.choice([compact, " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))])


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return rng.choice([value, value, f"SSN {value.replace('-', '')}", f"social security number {value}"])


def ip(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "2001:db8:" + ":".join(f"{rng.randint(0, 65535):x}" for _ in range(6))
    first = rng.choice([23, 45, 81, 92, 104, 151, 185, 203, 212])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def address(rng: random.Random) -> str:
    locale = rng.choice(["us", "us", "uk", "de", "fr", "es", "it"])
    if locale == "us":
        city, state = rng.choice(US_CITIES)
        unit = rng.choice(["", f", Apt {rng.randint(1, 40)}", f" Suite {rng.randint(100, 999)}", ""])
        tail = rng.choice(["", f", {city}, {state} {rng.randint(10000, 99999)}", f"\n{city}, {state} {rng.randint(10000, 99999)}"])
        return f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)} {rng.choice(US_SUFFIXES)}{unit}{tail}"
    if locale == "uk":
        city, postcode = rng.choice(UK_CITIES)
        start = rng.choice([f"{rng.randint(1, 200)} ", f"Flat {rng.randint(1, 30)}, {rng.randint(1, 200)} "])
        return f"{start}{rng.choice(UK_STREETS)}, {city} {postcode}"
    if locale == "de":
        plz, city = rng.choice(DE_CITIES)
        return f"{rng.choice(DE_STREETS)} {rng.randint(1, 120)}, {plz} {city}"
    if locale == "fr":
        cp, city = rng.choice(FR_CITIES)
        return f"{rng.randint(1, 120)} {rng.choice(FR_STREETS)}, {cp} {city}"
    if locale == "es":
        cp, city = rng.choice(ES_CITIES)
        return f"{rng.choice(ES_STREETS)} {rng.randint(1, 120)}, {cp} {city}"
    cap, city = rng.choice(IT_CITIES)
    return f"{rng.choice(IT_STREETS)} {rng.randint(1, 120)}, {cap} {city}"


GENERATORS = {"CARD": card, "PHONE": phone, "EMAIL": email, "IBAN": iban, "SSN": ssn, "IP": ip, "ADDRESS": address}


def pii_cases(per_entity: int = 80, seed: int = 7) -> list[PiiCase]:
    """`per_entity` records of each entity, each inside a marketplace sentence."""
    rng = random.Random(seed)
    cases = []
    for entity, generate in GENERATORS.items():
        for _ in range(per_entity):
            value = generate(rng)
            cases.append(PiiCase(rng.choice(SENTENCES).format(x=value), entity, value))
    return cases
