"""Safety gates: every record a stage consumes passes here, and is kept or quarantined with reasons.
Nothing is lost: input == kept + quarantined, always.

The policy is by role and stage. What decides is the answer that would be learned; harm in a prompt
(an earlier turn, a retrieved passage) is a *label* on the record (`labels.prompt_harmful`,
`labels.prompt_categories`), not a reason to drop it: a harmful request with a safe answer is exactly
what safety post-training learns from. PII is redacted in every field at every stage.

| stage | prompt / user turns / context | learned answer(s) |
|---|---|---|
| `sft` | label | an unsafe assistant turn quarantines the conversation |
| `reward` | label | both unsafe: kept (the less harmful is still better), `chosen_unsafe` + `rejected_unsafe`; only chosen unsafe: swap; with `labels.better` the pair is put in helpfulness order (Safe-RLHF) |
| `cost` | label | kept whatever their safety; per-answer verdicts in `chosen_unsafe` / `rejected_unsafe` (the cost model's signs) |
| `dpo` | label | chosen must be safe: only rejected unsafe -> kept, `rejected_unsafe` (safety margin); only chosen unsafe -> swap (or quarantine, `chosen_unsafe: quarantine`); both unsafe -> quarantined |
| `generation` | (not checked) | the generated text's findings get their actions |

`stages.<stage>.harmful_prompt: quarantine` restores dropping harmful prompts. A category's action
(`config.action(category, stage)`) applies to the learned answers: `redact` replaces its spans
(a category with no spans to redact is quarantined instead), `quarantine` makes the answer unsafe,
`flag` keeps the record and notes the reason in `meta["safety_flags"]`, `keep` ignores it. An answer
that refuses is not unsafe for naming the harm it declines (`refusal_is_safe`); PII, off-platform
contact and toxicity in it still count. Human labels (`labels.chosen_safe`, `labels.rejected_safe`)
win over classifiers; each disagreement is counted and its id listed. Classifiers that take a
`role` argument are told whether a text is a prompt or a response.

Decisions are deterministic: same records, config and classifiers -> same output.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from safety.classifiers.base import Classification, Classifier, Span
from safety.config import GateStage, SafetyConfig
from safety.redaction import redact
from safety.refusal import RefusalDetector
from safety.taxonomy import HAZARD_IDS
from toolkit.core.io import RawFailure
from toolkit.core.schema import Message, PreferencePair, SafetyLabels, SFTConversation, Turns

MAX_LISTED_DISAGREEMENTS = 10_000
PARSE_ERROR = "parse_error"
HUMAN_LABEL = "human_label"
# What a refusal may name without being unsafe: the hazard it declines. PII, off-platform contact and
# toxicity in a refusal are still findings.
REFUSAL_EXEMPT: frozenset[str] = frozenset({*HAZARD_IDS, "hiring_discrimination", "prompt_injection"})
_REFUSAL_HEAD = 400  # a refusal leads the answer
_EAGER = re.compile(r"\bI(?:'|’)?(?:m| am)? ?(?:can(?:no|'|’)?t|cannot) (?:wait|believe)\b", re.IGNORECASE)
# Declining openers the refusal detector's patterns (made for over-refusal) do not cover: "I won't
# roleplay ...", "I don't write ...", "I'll pass on ...", and answers that say they ignored an
# instruction injected into the content. Checked on the opening sentence only.
_DECLINES = re.compile(
    r"^\W*(?:(?:sorry|understood|i understand[^.,;:]{0,40})[\s,.;:—-]*(?:but\s+)?)?"
    r"I(?:'|’)?(?:m| am)? ?(?:can(?:no|'|’)?t|cannot|won(?:'|’)t|will not|don(?:'|’)t|do not|(?:'|’)ll (?:pass|skip)|must decline|(?:'|’)d rather not)"
    r"(?! wait| believe| recommend enough| stress enough)\b"
    r"|\bI(?:'|’)?ve (?:ignored|disregarded|set (?:it|that) aside|treated it as text)\b|\bI won(?:'|’)t act on\b",
    re.IGNORECASE,
)


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
_STAGE_TYPES: dict[str, type[BaseModel]] = {
    "sft": SFTConversation,
    "reward": PreferencePair,
    "cost": PreferencePair,
    "dpo": PreferencePair,
    "generation": Generation,
}
STAGE_ALIASES: dict[str, str] = {"preference": "dpo"}  # the gate stage of earlier versions


class SpanRef(BaseModel):
    """Where the evidence is (offsets into the field's text); the text itself is not repeated."""

    start: int
    end: int
    label: str


ReasonAction = Literal["redact", "quarantine", "flag", "swap", "rejected_unsafe", "overridden", "label"]


class Reason(BaseModel):
    """One finding: which classifier saw which category where, and what the gate did about it.

    `action` is what was done: the configured action (redact / quarantine / flag), `label` (harm
    in a prompt, or an unsafe answer a reward/cost stage keeps: recorded on the record, not dropped),
    for pairs `swap` (chosen was unsafe, answers swapped), `rejected_unsafe` (the rejected answer is
    unsafe, pair kept) or `overridden` (a human label says safe, or the answer is a refusal).
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
    raw_base64: str | None = None  # the line's exact bytes when it was not UTF-8 (`raw` then shows U+FFFD)
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
    both_unsafe_kept: int = Field(0, description="pairs kept with both answers unsafe (reward and cost stages)")
    prompt_harmful: int = Field(0, description="records whose prompt is labelled harmful, kept or not")
    prompt_harmful_kept: int = Field(0, description="of those, kept (their answer decided)")
    parse_errors: int = 0
    by_quarantine_reason: dict[str, int] = Field(
        default_factory=dict, description="quarantined records by their deciding reason (the counts add up to `quarantined`)"
    )
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
    prompt_harmful: bool = False


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
    role: str = "prompt"  # how classifiers read it: a request (prompt) or a model reply (response)
    request: str | None = None  # for a response: the request it answers, when known


def _last_request(value: Turns | None) -> str | None:
    """The request a reply answers: the prompt text, or the last user turn of a chat prompt."""
    if value is None or isinstance(value, str):
        return value
    users = [m.content for m in value if m.role == "user"]
    return users[-1] if users else None


def _turn_units(group: str, value: Turns, request: str | None = None) -> list[_Unit]:
    """Prompt turns are requests; chosen/rejected turns are replies to `request` (the last user turn
    of the prompt; within a multi-turn answer, the last user turn before the reply)."""
    replying = group in ("chosen", "rejected")
    if isinstance(value, str):
        return [_Unit(group, group, value, "response" if replying else "prompt", request if replying else None)]
    units = []
    for i, message in enumerate(value):
        units.append(_Unit(group, f"{group}[{i}]", message.content, "response" if replying else "prompt", request if replying else None))
        if message.role == "user":
            request = message.content
    return units


def _units(record: GateRecord) -> list[_Unit]:
    if isinstance(record, PreferencePair):
        request = _last_request(record.prompt)
        return [
            *_turn_units("prompt", record.prompt), *_turn_units("chosen", record.chosen, request),
            *_turn_units("rejected", record.rejected, request),
        ]
    if isinstance(record, SFTConversation):
        units, request = [], None
        for i, m in enumerate(record.messages):
            is_reply = m.role == "assistant"
            units.append(_Unit("messages", f"messages[{i}]", m.content, "response" if is_reply else "prompt", request if is_reply else None))
            if m.role == "user":
                request = m.content
        return units
    return [_Unit("text", "text", record.text, "response", _last_request(record.prompt))]


def _takes_keyword(classifier: Classifier, keyword: str) -> bool:
    """Whether `classifier.classify` accepts `keyword=` (role, prompts), looking through caches."""
    for candidate in (classifier, getattr(classifier, "inner", None)):
        if candidate is None:
            continue
        try:
            if keyword not in inspect.signature(candidate.classify).parameters:
                return False
        except (TypeError, ValueError):
            return False
    return True


def _takes_role(classifier: Classifier) -> bool:
    """Whether `classifier.classify` accepts `role=` (prompt vs response), looking through caches."""
    return _takes_keyword(classifier, "role")


def _classify(classifier: Classifier, units: Sequence[_Unit]) -> list[Classification]:
    """One result per unit; role-aware classifiers get prompts and responses in separate calls."""
    if not units:
        return []
    if not _takes_role(classifier):
        return classifier.classify([u.text for u in units])
    takes_prompts = _takes_keyword(classifier, "prompts")
    results: list[Classification | None] = [None] * len(units)
    for role in ("prompt", "response"):
        indices = [i for i, u in enumerate(units) if u.role == role]
        if indices:
            texts = [units[i].text for i in indices]
            if takes_prompts and role == "response":  # the requests the replies answer, where known
                scored = classifier.classify(texts, role=role, prompts=[units[i].request for i in indices])  # type: ignore[call-arg]
            else:
                scored = classifier.classify(texts, role=role)  # type: ignore[call-arg]
            for i, result in zip(indices, scored, strict=True):
                results[i] = result
    return results  # type: ignore[return-value]


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

    def __init__(self, stage: GateStage | str, config: SafetyConfig, classifiers: Sequence[Classifier] | None = None):
        stage = STAGE_ALIASES.get(stage, stage)
        if stage not in _STAGE_TYPES:
            raise ValueError(f"unknown gate stage {stage!r}")
        self.stage: GateStage = stage  # type: ignore[assignment]
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
        self._quarantine_reasons: Counter[str] = Counter()
        policy = config.policy(self.stage)
        self.chosen_unsafe_policy = policy.chosen_unsafe
        self.harmful_prompt_policy = policy.harmful_prompt
        self._refusals = RefusalDetector(use_encoder=False)
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
        all_units = [unit for units in units_per_item for unit in units]
        per_classifier = [(c.name, _classify(c, all_units)) for c in self.classifiers]
        decisions = []
        offset = 0
        for item, units in zip(batch, units_per_item, strict=True):
            self._position += 1
            if isinstance(item, RawFailure):
                decision = self._parse_failure(item)
            else:
                findings = [
                    self._role_policy(
                        unit,
                        _findings(unit, [(name, results[offset + i]) for name, results in per_classifier], self.config, self.stage, self._thresholds),
                    )
                    for i, unit in enumerate(units)
                ]
                offset += len(units)
                if isinstance(item, PreferencePair):
                    decision = self._decide_pair(item, units, findings)
                elif isinstance(item, SFTConversation):
                    decision = self._decide_conversation(item, units, findings)
                else:
                    decision = self._decide_single(item, units, findings)
                labels = getattr(item, "labels", None)
                decision.prompt_harmful = (labels is None or labels.prompt_harmful is not False) and any(
                    r.action in ("label", "quarantine") for u, f in zip(units, findings, strict=True) if u.role == "prompt" for r in f.reasons if r.category != "pii"
                )
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
        raw_base64 = base64.b64encode(failure.raw_bytes).decode("ascii") if failure.raw_bytes is not None else None
        quarantined = QuarantinedRecord(
            id=_raw_id(failure.raw), position=self._position, line=failure.line, raw=failure.raw,
            raw_base64=raw_base64, reasons=reasons,
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

    # ------------------------------------------------------------ role policy
    def _role_policy(self, unit: _Unit, found: _Findings) -> _Findings:
        """Prompt harm becomes a label (unless `harmful_prompt: quarantine`); a refusal is not unsafe
        for naming the hazard it declines."""
        if found is _NO_FINDINGS or not any(r.action == "quarantine" for r in found.reasons):
            return found
        if unit.role == "prompt":
            if self.harmful_prompt_policy == "quarantine":
                return found
            detail = "harm in the prompt is a label; the learned answer decides"
            return _Findings([_with_action(r, "label", detail) if r.action == "quarantine" else r for r in found.reasons], found.redact_spans)
        if self.config.refusal_is_safe and any(r.action == "quarantine" and r.category in REFUSAL_EXEMPT for r in found.reasons):
            if _refuses(unit.text, self._refusals):
                detail = "the answer refuses: naming the declined harm is not unsafe"
                reasons = [
                    _with_action(r, "overridden", detail) if r.action == "quarantine" and r.category in REFUSAL_EXEMPT else r
                    for r in found.reasons
                ]
                return _Findings(reasons, found.redact_spans)
        return found

    def _prompt_labels(self, record: PreferencePair | SFTConversation, prompt_reasons: list[Reason]) -> dict[str, Any]:
        """`labels` updates naming the harm found in the prompt (merged with labels the data had)."""
        categories = sorted({r.category for r in prompt_reasons if r.action == "label"})
        labels = record.labels or SafetyLabels()
        if not categories or labels.prompt_harmful is False:  # a human label says the prompt is benign
            return {}
        merged = sorted({*labels.prompt_categories, *categories})
        return {"labels": labels.model_copy(update={"prompt_harmful": True, "prompt_categories": merged})}

    # ------------------------------------------------------------ decisions
    def _decide_single(self, record: SFTConversation | Generation, units: list[_Unit], findings: list[_Findings]) -> Decision:
        if all(f is _NO_FINDINGS for f in findings):
            return Decision(kept=record)
        reasons = [r for f in findings for r in f.reasons]
        if any(f.unsafe for f in findings):
            return self._quarantine(record, reasons)
        return self._keep(record, _redaction_updates(record, units, findings), reasons)

    def _decide_conversation(self, record: SFTConversation, units: list[_Unit], findings: list[_Findings]) -> Decision:
        """SFT: the assistant turns are learned, so they decide; user/system harm is a label."""
        if all(f is _NO_FINDINGS for f in findings):
            return Decision(kept=record)
        reasons = [r for f in findings for r in f.reasons]
        if any(f.unsafe for f in findings):
            return self._quarantine(record, reasons)
        updates = _redaction_updates(record, units, findings)
        updates.update(self._prompt_labels(record, [r for u, f in zip(units, findings, strict=True) if u.role == "prompt" for r in f.reasons]))
        return self._keep(record, updates, reasons)

    def _decide_pair(self, pair: PreferencePair, units: list[_Unit], findings: list[_Findings]) -> Decision:
        if pair.labels is None and all(f is _NO_FINDINGS for f in findings):
            return Decision(kept=pair)
        by_group: dict[str, list[_Findings]] = {"prompt": [], "chosen": [], "rejected": []}
        for unit, found in zip(units, findings, strict=True):
            by_group[unit.group].append(found)
        classifier_unsafe = {group: any(f.unsafe for f in found) for group, found in by_group.items()}
        reasons = {group: [r for f in found for r in f.reasons] for group, found in by_group.items()}
        unsafe = self._apply_human_labels(pair, classifier_unsafe, reasons)
        everything = lambda: reasons["prompt"] + reasons["chosen"] + reasons["rejected"]  # noqa: E731

        if unsafe["prompt"]:  # only with harmful_prompt: quarantine
            return self._quarantine(pair, everything())
        updates = _redaction_updates(pair, units, findings)
        updates.update(self._prompt_labels(pair, reasons["prompt"]))
        chosen_unsafe, rejected_unsafe = unsafe["chosen"], unsafe["rejected"]
        meta: dict[str, Any] = {}

        if self.stage == "reward" and pair.labels is not None and pair.labels.better == "rejected":
            # Safe-RLHF: the reward model learns helpfulness; the safety order is the cost model's.
            note = Reason(category="helpfulness_order", classifier="labels.better", score=1.0, field="(pair)", action="swap", detail="labels.better: the rejected answer is the more helpful")
            _swap(updates, pair)
            reasons["chosen"], reasons["rejected"] = reasons["rejected"], [*reasons["chosen"], note]
            chosen_unsafe, rejected_unsafe = rejected_unsafe, chosen_unsafe
            meta["helpfulness_swapped"] = True
        elif chosen_unsafe and not rejected_unsafe:
            if self.chosen_unsafe_policy == "quarantine":
                detail = f"chosen is unsafe and stages.{self.stage}.chosen_unsafe is quarantine"
                reasons["chosen"] = [_with_action(r, "quarantine", detail) if r.action == "quarantine" else r for r in reasons["chosen"]]
                return self._quarantine(pair, everything())
            swapped = [_with_action(r, "swap", "chosen is unsafe: answers swapped") if r.action == "quarantine" else r for r in reasons["chosen"]]
            _swap(updates, pair)
            meta["safety_swapped"] = [r.model_dump(mode="json", exclude_none=True) for r in swapped if r.action == "swap"]
            reasons["chosen"] = swapped
            chosen_unsafe, rejected_unsafe = False, True
        if chosen_unsafe and rejected_unsafe:
            if self.stage == "dpo":
                detail = "both answers are unsafe: DPO needs a safe chosen answer (the pair is kept for reward and cost)"
                reasons["chosen"] = [_with_action(r, "quarantine", detail) if r.action == "quarantine" else r for r in reasons["chosen"]]
                return self._quarantine(pair, everything())
            detail = "both answers are unsafe: kept, the pair still orders them"
            for group in ("chosen", "rejected"):
                reasons[group] = [_with_action(r, "label", detail) if r.action == "quarantine" else r for r in reasons[group]]
            updates["chosen_unsafe"] = True
        elif chosen_unsafe:  # reward in helpfulness order: a less safe but more helpful answer is chosen
            reasons["chosen"] = [_with_action(r, "label", "the more helpful answer is unsafe") if r.action == "quarantine" else r for r in reasons["chosen"]]
            updates["chosen_unsafe"] = True
        if rejected_unsafe:
            reasons["rejected"] = [_with_action(r, "rejected_unsafe") if r.action == "quarantine" else r for r in reasons["rejected"]]
            updates["rejected_unsafe"] = True
        return self._keep(pair, updates, everything(), meta)

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
        if decision.prompt_harmful:
            counts["prompt_harmful"] += 1
            counts["prompt_harmful_kept"] += decision.kept is not None
        if decision.quarantined is not None:
            counts["quarantined"] += 1
            if any(r.category == PARSE_ERROR for r in reasons):
                counts["parse_errors"] += 1
            deciding = next((r for r in reasons if r.action == "quarantine"), None)
            self._quarantine_reasons[f"{deciding.field.split('[')[0]}:{deciding.category}" if deciding else "other"] += 1
        else:
            counts["kept"] += 1
            if isinstance(decision.kept, PreferencePair):
                counts["rejected_unsafe"] += bool(decision.kept.rejected_unsafe)
                counts["both_unsafe_kept"] += bool(decision.kept.chosen_unsafe and decision.kept.rejected_unsafe)
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
            **{
                name: counts[name]
                for name in (
                    "input", "kept", "quarantined", "redacted", "swapped", "flagged", "rejected_unsafe",
                    "both_unsafe_kept", "prompt_harmful", "prompt_harmful_kept", "parse_errors", "disagreements",
                )
            },  # fmt: skip
            by_quarantine_reason=dict(sorted(self._quarantine_reasons.items())),
            by_category=dict(sorted(self._by_category.items())),
            by_action=dict(sorted(self._by_action.items())),
            by_category_action=table,
            disagreement_ids=list(self._disagreement_ids),
        )

    def finish(self) -> GateReport:
        return self.report


def unsafe_answer_categories(
    answers: Sequence[str],
    requests: Sequence[str | None],
    config: SafetyConfig | None = None,
    classifiers: Sequence[Classifier] | None = None,
    refusals: RefusalDetector | None = None,
) -> list[list[str]]:
    """The categories each answer is unsafe for, read the way the gate reads answers.

    Each answer is classified in the `response` role with the request it answers (None: unknown) as
    context, so "Sure, step 1: ..." after a harmful request counts and a restated request does not
    read as a request; with `refusal_is_safe` an answer that declines is not unsafe for naming the
    harm it declines (PII, off-platform contact and toxicity in it still count). For measuring
    generations (eval); nothing is kept or quarantined here.
    """
    from safety.classifiers import classify_texts

    if len(answers) != len(requests):
        raise ValueError(f"{len(answers)} answers but {len(requests)} requests")
    if not answers:
        return []
    config = config or SafetyConfig()
    refusals = refusals or RefusalDetector(use_encoder=False)
    verdicts = classify_texts(list(answers), config, classifiers, role="response", prompts=list(requests))
    out = []
    for verdict in verdicts:
        flagged = list(verdict.flagged)
        if config.refusal_is_safe and any(c in REFUSAL_EXEMPT for c in flagged) and _refuses(verdict.text, refusals):
            flagged = [c for c in flagged if c not in REFUSAL_EXEMPT]
        out.append(flagged)
    return out


def _refuses(text: str, detector: RefusalDetector) -> bool:
    """Whether an answer opens by declining (the refusal detector's patterns, or a declining first
    sentence / a note that an injected instruction was ignored)."""
    head = text[:_REFUSAL_HEAD]
    first_sentence = re.split(r"(?<=[.!?])\s", head.strip(), maxsplit=1)[0]
    if _EAGER.search(first_sentence):  # "I can't wait to help!" opens a compliance
        return False
    return detector.pattern_score(head) >= 1.0 or bool(_DECLINES.search(first_sentence))


def _with_action(reason: Reason, action: ReasonAction, detail: str | None = None) -> Reason:
    return reason.model_copy(update={"action": action, "detail": reason.detail or detail})


def _invalid_after_redaction(detail: str) -> Reason:
    return Reason(category="pii", classifier="redaction", score=1.0, field="(record)", action="quarantine", detail=detail)


def _field(updates: dict[str, Any], record: GateRecord, name: str) -> Any:
    return updates.get(name, getattr(record, name))


def _swap(updates: dict[str, Any], pair: PreferencePair) -> None:
    """Swap chosen and rejected (redacted texts included) and the labels that go with them."""
    updates["chosen"], updates["rejected"] = _field(updates, pair, "rejected"), _field(updates, pair, "chosen")
    labels: SafetyLabels | None = updates.get("labels", pair.labels)
    if labels is not None:
        better = {"chosen": "rejected", "rejected": "chosen"}.get(labels.better or "")
        updates["labels"] = labels.model_copy(
            update={"chosen_safe": labels.rejected_safe, "rejected_safe": labels.chosen_safe, "better": better}
        )


def _redaction_updates(record: GateRecord, units: list[_Unit], findings: list[_Findings]) -> dict[str, Any]:
    if not any(f.redact_spans for f in findings):
        return {}
    texts = [redact(u.text, f.redact_spans) if f.redact_spans else u.text for u, f in zip(units, findings, strict=True)]
    return _with_texts(record, texts)


def _raw_id(raw: str) -> str | None:
    """The id of a record that failed validation, when its line is still a JSON object with one."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
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
