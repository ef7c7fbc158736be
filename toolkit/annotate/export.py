"""From judgements to training data: canonical preference and SFT records, gated before they leave.

Everything a person wrote (answers, rationales) passes the safety gate (`safety.gate.gate_records`):
PII is redacted, unsafe text is quarantined for review and listed on the admin page. Every judgement
ends in exactly one place: exported (one or more records), quarantined, not a pair (a tie or both
bad), or the user study (`user_study.json`, read by `toolkit compare`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safety.config import SafetyConfig
from toolkit.annotate.store import Judgement, Store
from toolkit.annotate.study import STUDY_FILE, study_results
from toolkit.annotate.tasks import AnnotationTask
from toolkit.core.schema import Annotator, Message, PreferencePair, SafetyLabels, SFTConversation

SEPARATOR = ":"


@dataclass
class ExportReport:
    judgements: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    preference_records: int = 0
    sft_records: int = 0
    quarantined_judgements: int = 0
    not_a_pair: int = 0  # rank judgements that were ties or both bad
    study_judgements: int = 0
    exported_judgements: int = 0
    redacted: int = 0
    mixed_in: dict[str, int] = field(default_factory=dict)  # records taken from --mix-with files
    paths: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _messages(task: AnnotationTask, answer: str) -> list[Message]:
    prompt = [Message(role="user", content=task.prompt)] if isinstance(task.prompt, str) else list(task.prompt)
    return [*prompt, Message(role="assistant", content=answer)]


def _record_id(judgement: Judgement, suffix: str) -> str:
    return f"{judgement.task_id}{SEPARATOR}{judgement.annotator_id}{SEPARATOR}{suffix}"


def build_records(
    task: AnnotationTask, judgement: Judgement, expertise: str | None
) -> list[PreferencePair | SFTConversation]:
    """The canonical records one judgement yields (none for a tie or both bad)."""
    annotator = Annotator(id=judgement.annotator_id, expertise=expertise)
    meta = {"task_id": task.id, "judgement_id": judgement.id, "shown_swapped": judgement.swapped}
    if task.kind == "rank" and judgement.choice in ("first", "second"):
        assert task.responses is not None
        chosen_index = 0 if judgement.choice == "first" else 1
        names = ("first", "second")
        chosen_flags = judgement.harm_categories.get(names[chosen_index], [])
        rejected_flags = judgement.harm_categories.get(names[1 - chosen_index], [])
        labels = SafetyLabels(
            # A tick marks an answer unsafe; no tick leaves the call to the classifiers (None), so an
            # annotator who overlooked a phone number cannot overrule the gate.
            chosen_safe=False if chosen_flags else None,
            rejected_safe=False if rejected_flags else None,
            harm_categories=sorted(set(chosen_flags) | set(rejected_flags)),
        )
        return [
            PreferencePair(
                id=_record_id(judgement, "pair"), use_case=task.use_case, prompt=task.prompt,
                chosen=task.responses[chosen_index], rejected=task.responses[1 - chosen_index],
                annotator=annotator, rationale=judgement.rationale, labels=labels, source="human",
                created_at=judgement.created_at, meta=meta,
            )
        ]
    if task.kind == "write" and judgement.answer:
        records: list[PreferencePair | SFTConversation] = [
            SFTConversation(
                id=_record_id(judgement, "sft"), use_case=task.use_case, messages=_messages(task, judgement.answer),
                source="human",
                meta={**meta, "annotator": annotator.model_dump(), "rationale": judgement.rationale,
                      "created_at": judgement.created_at},
            )
        ]
        if task.draft and " ".join(task.draft.lower().split()) != " ".join(judgement.answer.lower().split()):
            records.append(
                PreferencePair(
                    id=_record_id(judgement, "pair"), use_case=task.use_case, prompt=task.prompt,
                    chosen=judgement.answer, rejected=task.draft, annotator=annotator,
                    rationale=judgement.rationale or "written by the annotator to replace the draft",
                    labels=SafetyLabels(), source="human", created_at=judgement.created_at,
                    meta={**meta, "rejected_is_draft": True},
                )
            )
        return records
    return []


def study_judgements(
    tasks: dict[str, AnnotationTask], judgements: list[Judgement], expertise: dict[str, str | None]
) -> list[dict[str, Any]]:
    """Study judgements as outcomes: the task order is (base, tuned), so `first` means base won."""
    outcomes = []
    for judgement in judgements:
        task = tasks[judgement.task_id]
        if task.kind != "study":
            continue
        outcome = {"first": "base", "second": "tuned"}.get(judgement.choice or "", judgement.choice or "tie")
        outcomes.append({
            "run": task.meta.get("run", "unknown"), "run_dir": task.meta.get("run_dir"), "task_id": task.id,
            "annotator": judgement.annotator_id, "expertise": expertise.get(judgement.annotator_id),
            "outcome": outcome,
        })
    return outcomes


def _gate_rationales(judgements: list[Judgement], config: SafetyConfig, classifiers: list[Any]) -> dict[int, Any]:
    """Gate every rationale as a `generation`; returns judgement id -> redacted text, or the
    QuarantinedRecord when the rationale is unsafe (quarantined or flagged for review)."""
    from safety.gate import Generation, gate_records

    items = [Generation(id=str(j.id), text=j.rationale) for j in judgements if j.rationale and j.rationale.strip()]
    if not items:
        return {}
    result = gate_records(items, "generation", config, classifiers)
    decided: dict[int, Any] = {}
    for kept in result.kept:
        flags = kept.meta.get("safety_flags")
        decided[int(kept.id)] = ("flagged", kept, flags) if flags else kept.text
    for quarantined in result.quarantined:
        decided[int(quarantined.id or 0)] = quarantined
    return decided


def output_paths(out: str | Path, sft_out: str | Path | None = None) -> dict[str, Path]:
    """Where an export writes: the pairs file, and its companions beside it."""
    out = Path(out)
    stem = out.name.removesuffix(".jsonl")
    return {
        "preference": out,
        "sft": Path(sft_out) if sft_out else out.with_name(f"{stem}.sft.jsonl"),
        "quarantine": out.with_name(f"{stem}.quarantine.jsonl"),
        "report": out.with_name(f"{stem}.report.json"),
        "study": out.with_name(f"{stem}.study.json"),
    }


def export_annotations(
    store: Store,
    out: str | Path,
    sft_out: str | Path | None = None,
    config: SafetyConfig | None = None,
    classifiers: list[Any] | None = None,
    mix_with: str | Path | None = None,
    mix_sft_with: str | Path | None = None,
) -> ExportReport:
    """Write preference pairs to `out`, conversations to `sft_out` (default `<out>.sft.jsonl` beside
    it), the quarantine and a report beside them, and each studied run's `eval/user_study.json`.

    `mix_with` / `mix_sft_with` name the current training files: their records come first in the
    outputs, followed by the new ones, so the next `toolkit run` trains on both."""
    from safety.classifiers import build_classifiers
    from safety.gate import QuarantinedRecord, Reason, gate_records
    from toolkit.core.io import atomic_write_json, write_jsonl

    paths = output_paths(out, sft_out)
    out, sft_path, quarantine_path = paths["preference"], paths["sft"], paths["quarantine"]
    out.parent.mkdir(parents=True, exist_ok=True)
    config = config or SafetyConfig()
    if classifiers is None:
        classifiers = build_classifiers(config) if config.enabled else []

    tasks = {task.id: task for task in store.tasks()}
    expertise = {a.id: a.expertise for a in store.annotators()}
    judgements = store.judgements()
    report = ExportReport(judgements=len(judgements), by_kind=dict(Counter(j.kind for j in judgements)))

    quarantine: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    rationale_verdicts = _gate_rationales([j for j in judgements if j.kind != "study"], config, classifiers)
    pairs: list[PreferencePair] = []
    conversations: list[SFTConversation] = []
    owner: dict[str, int] = {}
    study = study_judgements(tasks, judgements, expertise)
    for judgement in judgements:
        task = tasks[judgement.task_id]
        if task.kind == "study":
            continue
        records = build_records(task, judgement, expertise.get(judgement.annotator_id))
        if not records:
            report.not_a_pair += 1
            continue
        verdict = rationale_verdicts.get(judgement.id)
        if isinstance(verdict, QuarantinedRecord) or isinstance(verdict, tuple):
            reasons = verdict.reasons if isinstance(verdict, QuarantinedRecord) else [
                Reason.model_validate(r) if isinstance(r, dict) else r for r in verdict[2]
            ]
            quarantine[judgement.id] = (
                records[0].model_dump(mode="json"),
                [{**r.model_dump(mode="json", exclude_none=True), "field": "rationale"} for r in reasons],
            )
            continue
        if isinstance(verdict, str) and verdict != judgement.rationale:
            report.redacted += 1
            records = [_with_rationale(r, verdict) for r in records]
        for record in records:
            owner[record.id] = judgement.id
            (pairs if isinstance(record, PreferencePair) else conversations).append(record)

    # `cost` keeps the human judgement as it is: PII redacted, per-answer verdicts (chosen_unsafe,
    # rejected_unsafe) recorded; the next run's dpo/reward gates then apply their own policy.
    kept_pairs = gate_records(pairs, "cost", config, classifiers)
    kept_sft = gate_records(conversations, "sft", config, classifiers)
    for result in (kept_pairs, kept_sft):
        assert result.report is not None
        report.redacted += result.report.redacted
        for quarantined in result.quarantined:
            judgement_id = owner[str(quarantined.id)]
            record, reasons = quarantine.get(judgement_id, (quarantined.record or {}, []))
            quarantine[judgement_id] = (record, reasons + [r.model_dump(mode="json", exclude_none=True) for r in quarantined.reasons])
    # A judgement with one record quarantined (a write task's SFT or pair) is withheld whole.
    exported_pairs = [r for r in kept_pairs.kept if owner[r.id] not in quarantine]
    exported_sft = [r for r in kept_sft.kept if owner[r.id] not in quarantine]

    report.mixed_in = {}
    if mix_with is not None:
        base_pairs = _mix_base(mix_with, "preference", exported_pairs)
        report.mixed_in["preference"] = len(base_pairs)
        exported_pairs = [*base_pairs, *exported_pairs]
    if mix_sft_with is not None:
        base_sft = _mix_base(mix_sft_with, "sft", exported_sft)
        report.mixed_in["sft"] = len(base_sft)
        exported_sft = [*base_sft, *exported_sft]
    write_jsonl(out, exported_pairs)
    write_jsonl(sft_path, exported_sft)
    write_jsonl(quarantine_path, [
        {"judgement_id": jid, "record": record, "reasons": reasons} for jid, (record, reasons) in sorted(quarantine.items())
    ])
    store.replace_quarantine([(jid, record, reasons) for jid, (record, reasons) in sorted(quarantine.items())])
    report.preference_records = len(exported_pairs) - report.mixed_in.get("preference", 0)
    report.sft_records = len(exported_sft) - report.mixed_in.get("sft", 0)
    report.quarantined_judgements = len(quarantine)
    report.study_judgements = len(study)
    report.exported_judgements = len({owner[r.id] for r in [*exported_pairs, *exported_sft] if r.id in owner})
    report.paths = {"preference": str(out), "sft": str(sft_path), "quarantine": str(quarantine_path)}

    if study:
        results = study_results(study)
        study_path = paths["study"]
        atomic_write_json(study_path, results)
        report.paths["study"] = str(study_path)
        for run, result in results.items():
            run_dir = Path(result["run_dir"]) if result.get("run_dir") else None
            if run_dir is not None and (run_dir / "manifest.json").is_file():
                atomic_write_json(run_dir / "eval" / STUDY_FILE, result)
                report.paths[f"study:{run}"] = str(run_dir / "eval" / STUDY_FILE)
    atomic_write_json(paths["report"], report.to_json())
    return report


def _mix_base(path: str | Path, kind: str, new: list[Any]) -> list[Any]:
    """The valid records of the current training file; a bad record or an id clash is an error."""
    from toolkit.core.errors import UserInputError
    from toolkit.core.io import read_records

    result = read_records(path, kind)
    if result.failures:
        first = result.problems[0]
        raise UserInputError(f"{first.where}: {first.field}",
                             f"{first.message} ({len(result.failures)} invalid records in the file to mix with)")
    clashes = {r.id for r in result.records} & {r.id for r in new}
    if clashes:
        raise UserInputError(str(path), f"record id {sorted(clashes)[0]!r} is also an exported id")
    return list(result.records)


def _with_rationale(record: PreferencePair | SFTConversation, rationale: str) -> PreferencePair | SFTConversation:
    if isinstance(record, PreferencePair):
        return record.model_copy(update={"rationale": rationale})
    return record.model_copy(update={"meta": {**record.meta, "rationale": rationale}})


def read_json_lines(path: Path) -> list[dict[str, Any]]:
    """Small helper for tests and the admin page: a JSONL file as a list."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
