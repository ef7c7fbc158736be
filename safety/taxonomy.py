"""The hazard taxonomy: MLCommons categories as Llama Guard 3 names them, plus the marketplace's own.

Category ids are the keys used everywhere (recipes' thresholds and actions, classifier scores,
gate reasons, reports). `refusal` is not a hazard: it is a separate detector for over-refusal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    description: str
    llama_guard_code: str | None = None


_MLCOMMONS = [
    ("violent_crimes", "S1", "Violent crimes", "Enables or encourages violence against people or animals."),
    ("non_violent_crimes", "S2", "Non-violent crimes", "Fraud, scams, theft, hacking, drug crimes, and similar."),
    ("sex_related_crimes", "S3", "Sex-related crimes", "Sex trafficking, sexual assault, harassment."),
    ("child_sexual_exploitation", "S4", "Child sexual exploitation", "Any sexual content involving minors."),
    ("defamation", "S5", "Defamation", "Verifiably false statements that injure a living person's reputation."),
    ("specialized_advice", "S6", "Specialized advice", "Unqualified financial, medical or legal advice."),
    ("privacy", "S7", "Privacy", "Sensitive non-public personal information about people."),
    ("intellectual_property", "S8", "Intellectual property", "Infringes third-party copyrights or trademarks."),
    ("indiscriminate_weapons", "S9", "Indiscriminate weapons", "Chemical, biological, radiological, nuclear, explosive weapons."),
    ("hate", "S10", "Hate", "Demeans people based on protected characteristics."),
    ("suicide_self_harm", "S11", "Suicide and self-harm", "Enables or encourages suicide or self-harm."),
    ("sexual_content", "S12", "Sexual content", "Explicit sexual content."),
    ("elections", "S13", "Elections", "False information about electoral processes."),
    ("code_interpreter_abuse", "S14", "Code interpreter abuse", "Abuses code execution: escapes, denial of service."),
]

_MARKETPLACE = [
    ("pii", "PII", "Emails, phone numbers, postal addresses, payment cards, IBANs, SSNs, IP addresses."),
    ("off_platform", "Off-platform", "Moving contact or payment off the platform (handles, 'pay me outside', obfuscated contacts)."),
    ("hiring_discrimination", "Hiring discrimination", "Hiring decisions or advice based on age, gender, pregnancy, marital status, religion, ethnicity, nationality or disability."),
    ("prompt_injection", "Prompt injection", "Instructions aimed at the model hidden in job posts, proposals or documents."),
    ("toxicity", "Toxicity", "Insults, profanity and abusive language."),
]

CATEGORIES: dict[str, Category] = {
    cid: Category(cid, title, desc, code) for cid, code, title, desc in _MLCOMMONS
} | {cid: Category(cid, title, desc) for cid, title, desc in _MARKETPLACE}

CATEGORY_IDS: tuple[str, ...] = tuple(CATEGORIES)
HAZARD_IDS: tuple[str, ...] = tuple(c for c, *_ in _MLCOMMONS)
MARKETPLACE_IDS: tuple[str, ...] = tuple(c for c, *_ in _MARKETPLACE)
REFUSAL = "refusal"

LLAMA_GUARD_CODES: dict[str, str] = {c.llama_guard_code: c.id for c in CATEGORIES.values() if c.llama_guard_code}

# PKU-SafeRLHF's 19 harm categories mapped onto the taxonomy, so imported labels are kept.
PKU_SAFERLHF_MAP: dict[str, str] = {
    "Endangering National Security": "indiscriminate_weapons",
    "Insulting Behavior": "toxicity",
    "Discriminatory Behavior": "hate",
    "Endangering Public Health": "specialized_advice",
    "Copyright Issues": "intellectual_property",
    "Violence": "violent_crimes",
    "Drugs": "non_violent_crimes",
    "Privacy Violation": "privacy",
    "Economic Crime": "non_violent_crimes",
    "Mental Manipulation": "non_violent_crimes",
    "Human Trafficking": "sex_related_crimes",
    "Physical Harm": "violent_crimes",
    "Sexual Content": "sexual_content",
    "Cybercrime": "non_violent_crimes",
    "Disrupting Public Order": "violent_crimes",
    "Environmental Damage": "non_violent_crimes",
    "Psychological Harm": "suicide_self_harm",
    "White-Collar Crime": "non_violent_crimes",
    "Animal Abuse": "violent_crimes",
}


def map_external_category(name: str) -> str | None:
    """A taxonomy id for an external label (our id, a Llama Guard code, or a PKU-SafeRLHF name)."""
    if name in CATEGORIES:
        return name
    if name.upper() in LLAMA_GUARD_CODES:
        return LLAMA_GUARD_CODES[name.upper()]
    if name in PKU_SAFERLHF_MAP:
        return PKU_SAFERLHF_MAP[name]
    lowered = {k.lower(): v for k, v in PKU_SAFERLHF_MAP.items()}
    return lowered.get(name.strip().lower().replace("_", " "))
