"""Replace evidence spans with typed placeholders (`[EMAIL]`, `[PHONE]`, ...).

`redact_pii` is what tracking and logging call on every string they emit, so personal data and
contact details never reach W&B, manifests or logs.
"""

from __future__ import annotations

from collections.abc import Iterable

from safety.classifiers.base import Span

_rules = None


def merge_spans(spans: Iterable[Span]) -> list[tuple[int, int, str]]:
    """Overlapping spans merged into (start, end, label); the merged label is the one
    of the longest span in the group (ties: alphabetical), so `[EMAIL]` wins over a HANDLE inside it."""
    ordered = sorted((s for s in spans if s.end > s.start), key=lambda s: (s.start, -s.end, s.label))
    merged: list[tuple[int, int, str]] = []
    best_length = 0
    for span in ordered:
        length = span.end - span.start
        if merged and span.start < merged[-1][1]:
            start, end, label = merged[-1]
            if length > best_length or (length == best_length and span.label < label):
                label, best_length = span.label, length
            merged[-1] = (start, max(end, span.end), label)
        else:
            merged.append((span.start, span.end, span.label))
            best_length = length
    return merged


def redact(text: str, spans: Iterable[Span]) -> str:
    """`text` with each (merged) span replaced by `[LABEL]`; offsets refer to the original text."""
    pieces: list[str] = []
    cursor = 0
    for start, end, label in merge_spans(spans):
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        pieces.append(text[cursor:start])
        pieces.append(f"[{label}]")
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def pii_spans(text: str) -> list[Span]:
    """The rule classifier's personal-data and contact spans (EMAIL, PHONE, ..., CONTACT, HANDLE)."""
    global _rules
    if _rules is None:
        from safety.classifiers.rules import RuleClassifier

        _rules = RuleClassifier()
    from safety.classifiers.rules import PII_LABELS

    return [span for span in _rules.classify_one(text).spans if span.label in PII_LABELS]


def redact_pii(text: str) -> str:
    """`text` with personal data and contact details replaced by placeholders (for logs and W&B)."""
    if not text:
        return text
    return redact(text, pii_spans(text))
