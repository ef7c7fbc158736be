"""Safety gates: every record a stage consumes or produces passes here, and is kept or quarantined
with reasons. Nothing is lost: input == kept + quarantined, always.

Which text is checked, per stage:
- `sft`: every message of an SFTConversation (field `messages[i]`).
- `preference`: prompt, chosen and rejected of a PreferencePair (`chosen`, or `chosen[i]` for
  message lists).
- `generation`: the generated `text` of a `Generation` record (defined here: a model's answer to
  a prompt; the prompt itself was gated when it entered the pipeline).

What happens to a finding (a category at or over `config.threshold(category)`) is
`config.action(category, stage)`: `redact` replaces its spans with placeholders (a category with
no spans to redact is quarantined instead), `quarantine` removes the record (kept verbatim with
reasons), `flag` keeps it and records the reason in `meta["safety_flags"]`, `keep` ignores it.

Preference pairs are decided per answer: redaction applies everywhere first; then an unsafe prompt,
or both answers unsafe, quarantines the pair; only the chosen unsafe swaps the answers
(`meta["safety_swapped"]`, `rejected_unsafe=True`) or quarantines, per
`stages.preference.chosen_unsafe`; only the rejected unsafe keeps the pair with
`rejected_unsafe=True` (DPO's safety margin). Human labels (`labels.chosen_safe`,
`labels.rejected_safe`) win over classifiers; each disagreement is counted and its id listed.

Decisions are deterministic: same records, config and classifiers -> same output.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from safety.classifiers.base import Classification, Classifier, Span
from safety.config import GateStage, SafetyConfig, StagePolicy
from safety.redaction import redact
from toolkit.data.io import RawFailure
from toolkit.data.schema import Message, PreferencePair, SFTConversation, Turns

MAX_LISTED_DISAGREEMENTS = 10_000
PARSE_ERROR = "parse_error"
HUMAN_LABEL = "human_label"


# ---------------------------------------------------------------- records and results
class Generation(BaseModel):
    """A generated answer to gate before it is used (eval outputs, synthetic data)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    use_case: str = "general"
    prompt: Turns | None = None
    text: str
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


GateRecord = PreferencePair | SFTConversation | Generation
_STAGE_TYPES: dict[str, type[BaseModel]] = {"sft": SFTConversation, "preference": PreferencePair, "generation": Generation}


class SpanRef(BaseModel):
    """Where the evidence is (offsets into the field's text); the text itself is not repeated."""

    start: int
    end: int
    label: str


ReasonAction = Literal["redact", "quarantine", "flag", "swap", "rejected_unsafe", "overridden"]


class Reason(BaseModel):
    """One finding: which classifier saw which category where, and what the gate did about it.

    `action` is what was done: the configured action (redact / quarantine / flag), or for pairs
    `swap` (chosen was unsafe, answers swapped), `rejected_unsafe` (the rejected answer is unsafe,
    pair kept) or `overridden` (a human label says safe).
    """

    category: str
    classifier: str
    score: float
    span: SpanRef | None = None
    field: str
    action: ReasonAction
    detail: str | None = None


class QuarantinedRecord(BaseModel):
    """A record removed from the stage: verbatim (`record`, or `raw` text for a parse failure) with reasons.

    `position` is the 1-based index in the input stream; `line` is the file line where the reader
    knows it (parse failures).
    """

    id: str | None
    position: int
    line: int | None = None
    record: dict[str, Any] | None = None
    raw: str | None = None
    reasons: list[Reason]


class GateReport(BaseModel):
    """Counts of one gate run. by_category / by_action count records with at least one reason of
    that category / action; by_category_action crosses the two (the summary table)."""

    stage: GateStage
    classifiers: list[str] = Field(default_factory=list)
    input: int = 0
    kept: int = 0
    quarantined: int = 0
    redacted: int = 0
    swapped: int = 0
    flagged: int = 0
    rejected_unsafe: int = 0
    parse_errors: int = 0
    by_category: dict[str, int] = Field(default_factory=dict)
    by_action: dict[str, int] = Field(default_factory=dict)
    by_category_action: dict[str, dict[str, int]] = Field(default_factory=dict)
    disagreements: int = Field(0, description="records where a human label and the classifiers disagree")
    disagreement_ids: list[str] = Field(default_factory=list, description=f"their ids (the first {MAX_LISTED_DISAGREEMENTS})")


@dataclass
class Decision:
    """The gate's verdict on one input item: exactly one of kept / quarantined is set. `reasons`
    are the findings with the action actually taken (for the report's tables)."""

    kept: GateRecord | None = None
    quarantined: QuarantinedRecord | None = None
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class GateResult:
    kept: list[GateRecord] = field(default_factory=list)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    report: GateReport | None = None


# ---------------------------------------------------------------- text units
@dataclass
class _Unit:
    group: str  # prompt / chosen / rejected / messages / text
    field: str  # chosen[1], messages[0], text
    text: str


def _turn_units(group: str, value: Turns) -> list[_Unit]:
    if isinstance(value, str):
        return [_Unit(group, group, value)]
    return [_Unit(group, f"{group}[{i}]", message.content) for i, message in enumerate(value)]


def _units(record: GateRecord) -> list[_Unit]:
    if isinstance(record, PreferencePair):
        return [*_turn_units("prompt", record.prompt), *_turn_units("chosen", record.chosen), *_turn_units("rejected", record.rejected)]
    if isinstance(record, SFTConversation):
        return [_Unit("messages", f"messages[{i}]", m.content) for i, m in enumerate(record.messages)]
    return [_Unit("text", "text", record.text)]


def _replace_turns(value: Turns, texts: Sequence[str]) -> Turns:
    if isinstance(value, str):
        return texts[0]
    return [Message(role=m.role, content=t) for m, t in zip(value, texts, strict=True)]


def _turn_count(value: Turns) -> int:
    return 1 if isinstance(value, str) else len(value)


def _with_texts(record: GateRecord, texts: list[str]) -> dict[str, Any]:
    """The field updates that put (redacted) unit texts back into the record."""
    if isinstance(record, PreferencePair):
        updates: dict[str, Any] = {}
        offset = 0
        for name in ("prompt", "chosen", "rejected"):
            value = getattr(record, name)
            count = _turn_count(value)
            updates[name] = _replace_turns(value, texts[offset : offset + count])
            offset += count
        return updates
    if isinstance(record, SFTConversation):
        return {"messages": [Message(role=m.role, content=t) for m, t in zip(record.messages, texts, strict=True)]}
    return {"text": texts[0]}


# ---------------------------------------------------------------- findings
@dataclass
class _Findings:
    reasons: list[Reason] = field(default_factory=list)
    redact_spans: list[Span] = field(default_factory=list)

    @property
    def unsafe(self) -> bool:
        return any(r.action == "quarantine" for r in self.reasons)


_NO_FINDINGS = _Findings()


def _findings(
    unit: _Unit,
    results: Sequence[tuple[str, Classification]],
    config: SafetyConfig,
    stage: GateStage,
    thresholds: dict[str, float],
) -> _Findings:
    """Categories at or over threshold in one text, with the action each one gets.

    A category's score is the highest over classifiers (the first classifier wins a tie);
    `thresholds` memoises `config.threshold` (this runs for every text)."""
    best: dict[str, tuple[float, str]] = {}
    for name, result in results:
        for category, score in result.scores.items():
            threshold = thresholds.get(category)
            if threshold is None:
                threshold = thresholds[category] = config.threshold(category)
            if score >= threshold and (category not in best or score > best[category][0]):
                best[category] = (score, name)
    if not best:
        return _NO_FINDINGS
    found = _Findings()
    for category in sorted(best):
        score, classifier = best[category]
        action = config.action(category, stage)
        if action == "keep":
            continue
        spans = sorted((s for _, r in results for s in r.spans if s.category == category), key=lambda s: (s.start, s.end, s.label))
        first = SpanRef(start=spans[0].start, end=spans[0].end, label=spans[0].label) if spans else None
        detail = None
        if action == "redact":
            if spans:
                found.redact_spans.extend(spans)
            else:
                action, detail = "quarantine", f"{category} is over threshold but there is no span to redact"
        found.reasons.append(
            Reason(category=category, classifier=classifier, score=round(score, 4), span=first, field=unit.field, action=action, detail=detail)
        )
    return found


# ---------------------------------------------------------------- the gate
class Gate:
    """A gate over a stream: `run(items)` yields one Decision per item, `report` keeps the counts."""

    def __init__(self, stage: GateStage, config: SafetyConfig, classifiers: Sequence[Classifier] | None = None):
        if stage not in _STAGE_TYPES:
            raise ValueError(f"unknown gate stage {stage!r}")
        self.stage = stage
        self.config = config
        if classifiers is None:
            from safety.classifiers import build_classifiers

            classifiers = build_classifiers(config) if config.enabled else []
        self.classifiers = list(classifiers)
        # plain counters while running (pydantic attribute writes cost microseconds per record)
        self._counts: Counter[str] = Counter()
        self._by_category: Counter[str] = Counter()
        self._by_action: Counter[str] = Counter()
        self._by_category_action: Counter[tuple[str, str]] = Counter()
        self._disagreement_ids: list[str] = []
        self.chosen_unsafe_policy = (config.stages.get(stage) or StagePolicy()).chosen_unsafe
        self._position = 0
        self._thresholds: dict[str, float] = {}

    def run(self, items: Iterable[GateRecord | RawFailure], batch_size: int = 256) -> Iterator[Decision]:
        """Decisions in input order, classifying `batch_size` items at a time (bounded memory)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        batch: list[GateRecord | RawFailure] = []
        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from self.decide(batch)
                batch = []
        if batch:
            yield from self.decide(batch)

    def decide(self, batch: Sequence[GateRecord | RawFailure]) -> list[Decision]:
        """Classify every text of the batch at once (one call per classifier), then decide item by item."""
        expected = _STAGE_TYPES[self.stage]
        units_per_item: list[list[_Unit]] = []
        for item in batch:
            if isinstance(item, RawFailure):
                units_per_item.append([])
            elif isinstance(item, expected):
                units_per_item.append(_units(item))  # type: ignore[arg-type]
            else:
                raise TypeError(f"the {self.stage} gate takes {expected.__name__} records, got {type(item).__name__}")
        texts = [unit.text for units in units_per_item for unit in units]
        per_classifier = [(c.name, c.classify(texts) if texts else []) for c in self.classifiers]
        decisions = []
        offset = 0
        for item, units in zip(batch, units_per_item, strict=True):
            self._position += 1
            if isinstance(item, RawFailure):
                decision = self._parse_failure(item)
            else:
                findings = [
                    _findings(unit, [(name, results[offset + i]) for name, results in per_classifier], self.config, self.stage, self._thresholds)
                    for i, unit in enumerate(units)
                ]
                offset += len(units)
                if isinstance(item, PreferencePair):
                    decision = self._decide_pair(item, units, findings)
                else:
                    decision = self._decide_single(item, units, findings)  # type: ignore[arg-type]
            self._count(decision)
            decisions.append(decision)
        return decisions

    # ------------------------------------------------------------ outcomes
    def _quarantine(self, record: GateRecord, reasons: list[Reason]) -> Decision:
        verbatim = record.model_dump(mode="json", exclude_unset=True)
        quarantined = QuarantinedRecord(id=record.id, position=self._position, record=verbatim, reasons=reasons)
        return Decision(quarantined=quarantined, reasons=reasons)

    def _parse_failure(self, failure: RawFailure) -> Decision:
        reasons = [
            Reason(category=PARSE_ERROR, classifier="reader", score=1.0, field=p.field, action="quarantine", detail=str(p))
            for p in failure.problems
        ]
        quarantined = QuarantinedRecord(
            id=_raw_id(failure.raw), position=self._position, line=failure.line, raw=failure.raw, reasons=reasons
        )
        return Decision(quarantined=quarantined, reasons=reasons)

    def _keep(self, record: GateRecord, updates: dict[str, Any], reasons: list[Reason], meta: dict[str, Any] | None = None) -> Decision:
        """Keep `record` with `updates` applied; flag reasons go to meta["safety_flags"]. A record that
        redaction makes invalid (chosen now identical to rejected) is quarantined instead."""
        meta = dict(meta or {})
        flags = [r.model_dump(mode="json", exclude_none=True) for r in reasons if r.action == "flag"]
        if flags:
            meta["safety_flags"] = [*record.meta.get("safety_flags", []), *flags]
        if meta:
            updates["meta"] = {**record.meta, **meta}
        if not updates:
            return Decision(kept=record, reasons=reasons)
        data = record.model_dump(exclude_unset=True)
        data.update(updates)
        try:
            kept = type(record).model_validate(data)
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
            detail = f"after redaction the record is invalid: {problem}"
            return self._quarantine(record, [*reasons, _invalid_after_redaction(detail)])
        return Decision(kept=kept, reasons=reasons)

    def _decide_single(self, record: SFTConversation | Generation, units: list[_Unit], findings: list[_Findings]) -> Decision:
        if all(f is _NO_FINDINGS for f in findings):
            return Decision(kept=record)
        reasons = [r for f in findings for r in f.reasons]
        if any(f.unsafe for f in findings):
            return self._quarantine(record, reasons)
        return self._keep(record, _redaction_updates(record, units, findings), reasons)

    def _decide_pair(self, pair: PreferencePair, units: list[_Unit], findings: list[_Findings]) -> Decision:
        if pair.labels is None and all(f is _NO_FINDINGS for f in findings):
            return Decision(kept=pair)
        by_group: dict[str, list[_Findings]] = {"prompt": [], "chosen": [], "rejected": []}
        for unit, found in zip(units, findings, strict=True):
            by_group[unit.group].append(found)
        classifier_unsafe = {group: any(f.unsafe for f in found) for group, found in by_group.items()}
        reasons = {group: [r for f in found for r in f.reasons] for group, found in by_group.items()}
        unsafe = self._apply_human_labels(pair, classifier_unsafe, reasons)

        if unsafe["prompt"] or (unsafe["chosen"] and unsafe["rejected"]):
            return self._quarantine(pair, reasons["prompt"] + reasons["chosen"] + reasons["rejected"])
        if unsafe["chosen"] and self.chosen_unsafe_policy == "quarantine":
            detail = "chosen is unsafe and stages.preference.chosen_unsafe is quarantine"
            chosen = [_with_action(r, "quarantine", detail) if r.action == "quarantine" else r for r in reasons["chosen"]]
            return self._quarantine(pair, reasons["prompt"] + chosen + reasons["rejected"])

        updates = _redaction_updates(pair, units, findings)
        if unsafe["chosen"]:
            swapped = [_with_action(r, "swap", "chosen is unsafe: answers swapped") if r.action == "quarantine" else r for r in reasons["chosen"]]
            updates["chosen"], updates["rejected"] = _field(updates, pair, "rejected"), _field(updates, pair, "chosen")
            updates["rejected_unsafe"] = True
            if pair.labels is not None:
                updates["labels"] = pair.labels.model_copy(
                    update={"chosen_safe": pair.labels.rejected_safe, "rejected_safe": pair.labels.chosen_safe}
                )
            swap_notes = [r.model_dump(mode="json", exclude_none=True) for r in swapped if r.action == "swap"]
            return self._keep(pair, updates, reasons["prompt"] + swapped + reasons["rejected"], {"safety_swapped": swap_notes})
        if unsafe["rejected"]:
            marked = [_with_action(r, "rejected_unsafe") if r.action == "quarantine" else r for r in reasons["rejected"]]
            updates["rejected_unsafe"] = True
            return self._keep(pair, updates, reasons["prompt"] + reasons["chosen"] + marked)
        return self._keep(pair, updates, reasons["prompt"] + reasons["chosen"] + reasons["rejected"])

    def _apply_human_labels(
        self, pair: PreferencePair, classifier_unsafe: dict[str, bool], reasons: dict[str, list[Reason]]
    ) -> dict[str, bool]:
        """Human labels decide chosen/rejected safety; disagreements with the classifiers are counted."""
        unsafe = dict(classifier_unsafe)
        labels = pair.labels
        if labels is None:
            return unsafe
        disagreement = False
        for group, human_safe in (("chosen", labels.chosen_safe), ("rejected", labels.rejected_safe)):
            if human_safe is None:
                continue
            disagreement |= human_safe == classifier_unsafe[group]
            unsafe[group] = not human_safe
            if human_safe:
                detail = f"human label {group}_safe=true"
                reasons[group] = [_with_action(r, "overridden", detail) if r.action == "quarantine" else r for r in reasons[group]]
            elif not classifier_unsafe[group]:
                category = labels.harm_categories[0] if labels.harm_categories else "unsafe"
                reasons[group].append(
                    Reason(category=category, classifier=HUMAN_LABEL, score=1.0, field=group, action="quarantine", detail=f"human label {group}_safe=false")
                )
        if disagreement:
            self._counts["disagreements"] += 1
            if len(self._disagreement_ids) < MAX_LISTED_DISAGREEMENTS:
                self._disagreement_ids.append(pair.id)
        return unsafe

    # ------------------------------------------------------------ counting
    def _count(self, decision: Decision) -> None:
        counts = self._counts
        counts["input"] += 1
        reasons = decision.reasons
        if decision.quarantined is not None:
            counts["quarantined"] += 1
            if any(r.category == PARSE_ERROR for r in reasons):
                counts["parse_errors"] += 1
        else:
            counts["kept"] += 1
            if isinstance(decision.kept, PreferencePair) and decision.kept.rejected_unsafe:
                counts["rejected_unsafe"] += 1
        if not reasons:
            return
        actions = {r.action for r in reasons}
        if decision.kept is not None:
            for action, counter in (("redact", "redacted"), ("flag", "flagged"), ("swap", "swapped")):
                if action in actions:
                    counts[counter] += 1
        self._by_category.update({r.category for r in reasons})
        self._by_action.update(actions)
        self._by_category_action.update({(r.category, r.action) for r in reasons})

    @property
    def report(self) -> GateReport:
        """The counts so far, tables in a stable order."""
        table: dict[str, dict[str, int]] = {}
        for (category, action), count in sorted(self._by_category_action.items()):
            table.setdefault(category, {})[action] = count
        counts = self._counts
        return GateReport(
            stage=self.stage,
            classifiers=[c.name for c in self.classifiers],
            **{name: counts[name] for name in ("input", "kept", "quarantined", "redacted", "swapped", "flagged", "rejected_unsafe", "parse_errors", "disagreements")},
            by_category=dict(sorted(self._by_category.items())),
            by_action=dict(sorted(self._by_action.items())),
            by_category_action=table,
            disagreement_ids=list(self._disagreement_ids),
        )

    def finish(self) -> GateReport:
        return self.report


def _with_action(reason: Reason, action: ReasonAction, detail: str | None = None) -> Reason:
    return reason.model_copy(update={"action": action, "detail": reason.detail or detail})


def _invalid_after_redaction(detail: str) -> Reason:
    return Reason(category="pii", classifier="redaction", score=1.0, field="(record)", action="quarantine", detail=detail)


def _field(updates: dict[str, Any], record: GateRecord, name: str) -> Any:
    return updates.get(name, getattr(record, name))


def _redaction_updates(record: GateRecord, units: list[_Unit], findings: list[_Findings]) -> dict[str, Any]:
    if not any(f.redact_spans for f in findings):
        return {}
    texts = [redact(u.text, f.redact_spans) if f.redact_spans else u.text for u, f in zip(units, findings, strict=True)]
    return _with_texts(record, texts)


def _raw_id(raw: str) -> str | None:
    """The id of a record that failed validation, when its line is still a JSON object with one."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("id"), (str, int)) and not isinstance(data.get("id"), bool):
        return str(data["id"])
    return None


def gate_records(
    items: Iterable[GateRecord | RawFailure],
    stage: GateStage,
    config: SafetyConfig,
    classifiers: Sequence[Classifier] | None = None,
    batch_size: int = 256,
) -> GateResult:
    """Gate records in memory (use `Gate(...).run(items)` to stream a large file)."""
    gate = Gate(stage, config, classifiers)
    result = GateResult()
    for decision in gate.run(items, batch_size):
        if decision.kept is not None:
            result.kept.append(decision.kept)
        else:
            assert decision.quarantined is not None
            result.quarantined.append(decision.quarantined)
    result.report = gate.finish()
    return result
