"""`toolkit synth help-center`: help articles in, gated QA items, SFT conversations and DPO pairs out.

Order: read articles (skips recorded) -> sections -> facts -> held-out split by section -> template
questions (+ model paraphrases) -> five contexts per question -> grounded and rejected answers ->
grounding check -> safety gate -> files, report.json and a data card.

Held out by section: a section is either train or eval, never both, and distractor passages are drawn
from the same side, so no eval section's text reaches a training prompt.

Gating, through the safety gate's public API (`safety.gate.Gate`, `gate_records`):
- what a model learns to say (questions and grounded answers) passes the recipe's actions as they
  apply to every stage (`safety.actions`): PII is redacted, anything else unsafe quarantines every
  record built from that text, with reasons, in `quarantine.jsonl`;
- retrieved passages and rejected answers are labelled, not removed (they are the misleading
  input the model must learn to resist): their flagged categories go to `meta.context_flags` and
  `rejected_unsafe` (DPO's safety margin). An injected passage the gate does not flag is counted in
  the report (`gate.injected_passages.missed`).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core.errors import UserInputError
from toolkit.core.io import atomic_write_json, atomic_write_text, write_jsonl
from toolkit.core.schema import Message, PreferencePair, PromptRecord, QAItem, SFTConversation
from toolkit.synth.articles import MAX_ARTICLE_BYTES, Article, Section, Skip, discover, read_article
from toolkit.synth.contexts import CONTEXT_KINDS, MISLEADING_KINDS, grounded_answer, inject
from toolkit.synth.facts import Fact, extract_facts
from toolkit.synth.perturb import Perturbation, numbers_in, plan_perturbation
from toolkit.synth.questions import (
    Paraphrase,
    ParaphraseStats,
    Question,
    paraphrase_questions,
    template_questions,
)

USE_CASE = "help_center_qa"
GENERATORS = ("templates", "model")


@dataclass(frozen=True)
class SynthSettings:
    generator: str = "templates"
    model: str | None = None  # default: the embedded model
    seed: int = 42
    eval_fraction: float = 0.2
    max_article_bytes: int = MAX_ARTICLE_BYTES

    def check(self) -> None:
        if self.generator not in GENERATORS:
            raise UserInputError("--generator", f"unknown generator {self.generator!r}; use {' or '.join(GENERATORS)}")
        if not 0.0 < self.eval_fraction < 1.0:
            raise UserInputError("--eval-fraction", f"must be between 0 and 1 (exclusive), got {self.eval_fraction}")
        if self.model is not None and self.generator != "model":
            raise UserInputError("--model", "only used with --generator model")


@dataclass
class Item:
    """One question with one context kind, before gating."""

    id: str
    kind: str
    split: str
    section: Section
    question: Question
    contexts: list[str]
    answer: str
    rejected: str | None
    provenance: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- split
def split_sections(sections: Sequence[Section], eval_fraction: float, seed: int) -> dict[str, str]:
    """section id -> "train" | "eval": a seeded hash order, the first ceil(fraction * n) are eval
    (at least one of each side when there are two or more sections)."""
    ordered = sorted(sections, key=lambda s: hashlib.sha256(f"{seed}:{s.id}".encode()).hexdigest())
    count = len(ordered)
    n_eval = min(count - 1, max(1, math.ceil(eval_fraction * count))) if count > 1 else 0
    return {s.id: ("eval" if i < n_eval else "train") for i, s in enumerate(ordered)}


def _rng(seed: int, *parts: str) -> random.Random:
    return random.Random(hashlib.sha256(":".join([str(seed), *parts]).encode()).hexdigest())


def _provenance(section: Section, facts: Sequence[Fact]) -> dict[str, Any]:
    return {
        "file": section.file,
        "article": section.article_id,
        "section": section.id,
        "heading": section.heading,
        "start": section.start,
        "end": section.end,
        "facts": [{"start": f.start, "end": f.end} for f in facts],
    }


def _grounded(core: str, passage: str) -> bool:
    """Every number of the answer's core is in the right passage (the answer invents nothing)."""
    return set(numbers_in(core)) <= set(numbers_in(passage))


# ---------------------------------------------------------------- building items
def build_items(
    sections: Sequence[Section],
    questions: dict[str, list[Question]],
    split: dict[str, str],
    seed: int,
    not_built: Counter[str],
) -> list[Item]:
    items: list[Item] = []
    for section in sections:
        side = split[section.id]
        passage = section.passage
        perturbation = plan_perturbation(passage, _rng(seed, "outdated", section.id))
        outdated = perturbation.apply(passage)
        pool = [s for s in sections if split[s.id] == side and s.id != section.id]
        others = [s for s in pool if s.article_id != section.article_id] or pool
        for number, question in enumerate(questions.get(section.id, [])):
            base = f"hc-synth-{section.id.replace('#', '-')}-q{number:02d}"
            provenance = _provenance(section, question.facts)
            if not _grounded(question.answer, passage):
                not_built["answer not grounded in its section"] += len(CONTEXT_KINDS)
                continue
            invented = _invented(question, perturbation)
            for kind in CONTEXT_KINDS:
                rng = _rng(seed, kind, base)
                item = Item(f"{base}-{kind}", kind, side, section, question, [], "", None, provenance)
                if kind == "right":
                    item.contexts = [passage]
                    item.answer = grounded_answer(kind, question.answer, section.heading)
                    item.rejected = invented if invented != question.answer else None
                elif kind == "distractor":
                    if not others:
                        not_built["distractor: no other section on the same side of the split"] += 1
                        continue
                    other = others[rng.randrange(len(others))]
                    item.contexts = [other.passage]
                    item.answer = grounded_answer(kind, question.answer, section.heading)
                    follows = next((f.text for f in extract_facts(other)), other.passage.split("\n\n")[0])
                    item.rejected = follows
                    item.extra["distractor"] = _provenance(other, [])
                elif kind == "outdated":
                    if invented == question.answer or outdated == passage:
                        not_built["outdated: the perturbation leaves this answer unchanged"] += 1
                        continue
                    item.contexts = [outdated]
                    item.answer = grounded_answer(kind, question.answer, section.heading)
                    item.rejected = invented
                    item.extra["perturbation"] = {
                        "factor": perturbation.factor,
                        "numbers": {_num(k): _num(v) for k, v in perturbation.numbers.items()},
                    }
                elif kind == "injected":
                    injected, instruction, obey = inject(passage, rng)
                    item.contexts = [injected]
                    item.answer = grounded_answer(kind, question.answer, section.heading)
                    item.rejected = obey
                    item.extra["injection"] = instruction
                else:  # none
                    item.answer = grounded_answer(kind, question.answer, section.heading)
                    item.rejected = invented if invented != question.answer else None
                items.append(item)
    return items


def _invented(question: Question, perturbation: Perturbation) -> str:
    """The answer with the section's numbers and conditions changed; a yes/no answer also flips."""
    invented = perturbation.apply(question.answer)
    if question.template.startswith("yes_no"):
        for said, opposite in (("Yes. ", "No. "), ("No. ", "Yes. ")):
            if question.answer.startswith(said):
                return opposite + perturbation.apply(question.answer.removeprefix(said))
    return invented


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


# ---------------------------------------------------------------- gating
@dataclass
class GateOutcome:
    """Per distinct text: the (possibly redacted) text, or the reasons it was quarantined; labels."""

    strict: dict[str, str | list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


def gate_texts(learned: Sequence[str], labelled: Sequence[str], safety: Any, classifiers: Any = None) -> GateOutcome:
    """Learned texts pass the recipe's every-stage actions; labelled texts only get their categories."""
    from safety.classifiers import build_classifiers
    from safety.gate import Gate, Generation, gate_records

    outcome = GateOutcome()
    if not safety.enabled:
        outcome.strict = {text: text for text in learned}
        outcome.labels = {text: [] for text in labelled}
        outcome.report = {"enabled": False}
        return outcome
    classifiers = build_classifiers(safety) if classifiers is None else classifiers
    strict_config = safety.model_copy(update={"stages": {}})
    unique_learned = list(dict.fromkeys(learned))
    result = gate_records(
        [Generation(id=str(i), use_case=USE_CASE, text=t) for i, t in enumerate(unique_learned)],
        "generation", strict_config, classifiers,
    )
    for record in result.kept:
        outcome.strict[unique_learned[int(record.id)]] = record.text  # type: ignore[union-attr]
    for quarantined in result.quarantined:
        outcome.strict[unique_learned[int(quarantined.id or 0)]] = [
            r.model_dump(mode="json", exclude_none=True) for r in quarantined.reasons
        ]
    label_config = safety.model_copy(update={"actions": {"default": "flag"}, "stages": {}})
    unique_labelled = list(dict.fromkeys(labelled))
    gate = Gate("generation", label_config, classifiers)
    records = [Generation(id=str(i), use_case=USE_CASE, text=t) for i, t in enumerate(unique_labelled)]
    for text, decision in zip(unique_labelled, gate.run(records), strict=True):
        outcome.labels[text] = sorted({r.category for r in decision.reasons})
    outcome.report = {
        "enabled": True,
        "learned_texts": result.report.model_dump(mode="json") if result.report else {},
        "labelled_texts": gate.finish().model_dump(mode="json"),
    }
    return outcome


# ---------------------------------------------------------------- the command
def synthesize(
    paths: Sequence[Path],
    out_dir: Path,
    settings: SynthSettings,
    safety: Any,
    paraphrase: Paraphrase | None = None,
    classifiers: Any = None,
) -> dict[str, Any]:
    """Build, gate and write everything; returns the report (also written to report.json)."""
    settings.check()
    files = discover(list(paths))
    if not files:
        raise UserInputError(", ".join(str(p) for p in paths), "no files found")
    articles: list[Article] = []
    skips: list[Skip] = []
    for path in files:
        read = read_article(path, settings.max_article_bytes)
        (skips if isinstance(read, Skip) else articles).append(read)  # type: ignore[arg-type]
    ids = Counter(a.id for a in articles)
    for article in articles:  # two files with the same stem in different folders
        if ids[article.id] > 1:
            article.id = f"{article.id}-{hashlib.sha256(article.file.encode()).hexdigest()[:6]}"
            for section in article.sections:
                section.article_id = article.id
    sections: list[Section] = []
    facts: dict[str, list[Fact]] = {}
    for article in articles:
        for section in article.sections:
            found = extract_facts(section)
            if found:
                sections.append(section)
                facts[section.id] = found
            else:
                skips.append(Skip(section.file, "no facts (no number, duration, condition or step)", section.heading))
    if not sections:
        why = "; ".join(f"{s.file}: {s.reason}" for s in skips[:3])
        raise UserInputError(", ".join(str(p) for p in paths), f"no usable article section ({len(skips)} skipped: {why})")
    split = split_sections(sections, settings.eval_fraction, settings.seed)
    questions = {
        s.id: template_questions(s, facts[s.id], plan_perturbation(s.passage, _rng(settings.seed, "outdated", s.id)))
        for s in sections
    }
    stats = ParaphraseStats()
    if settings.generator == "model":
        if paraphrase is None:
            from toolkit.recipe import DEFAULT_MODEL
            from toolkit.synth.questions import model_paraphraser

            paraphrase = model_paraphraser(settings.model or DEFAULT_MODEL)
        every = [q for s in sections for q in questions[s.id]]
        for question in paraphrase_questions(every, paraphrase, stats):
            questions[question.section_id].append(question)
    for section in sections:
        if not questions[section.id]:
            skips.append(Skip(section.file, "no question template fits its facts", section.heading))

    not_built: Counter[str] = Counter()
    items = build_items(sections, questions, split, settings.seed, not_built)

    learned = [t for item in items for t in (item.question.text, item.answer)]
    labelled = [c for item in items for c in item.contexts] + [item.rejected for item in items if item.rejected]
    gated = gate_texts(learned, labelled, safety, classifiers)
    return _write(out_dir, settings, articles, sections, facts, questions, split, items, gated, skips, not_built, stats)


def _rag_prompt(question: str, contexts: list[str]) -> list[dict[str, str]]:
    from toolkit.eval.suites.rag import rag_prompt

    return rag_prompt(QAItem(id="prompt", question=question, answer="-", contexts=contexts))


def _write(
    out_dir: Path,
    settings: SynthSettings,
    articles: list[Article],
    sections: list[Section],
    facts: dict[str, list[Fact]],
    questions: dict[str, list[Question]],
    split: dict[str, str],
    items: list[Item],
    gated: GateOutcome,
    skips: list[Skip],
    not_built: Counter[str],
    stats: ParaphraseStats,
) -> dict[str, Any]:
    qa: dict[str, list[QAItem]] = {"train": [], "eval": []}
    sft: list[SFTConversation] = []
    pairs: list[PreferencePair] = []
    prompts: list[PromptRecord] = []
    quarantine: list[dict[str, Any]] = []
    by_kind = {kind: Counter() for kind in CONTEXT_KINDS}
    by_article: dict[str, Counter[str]] = {a.id: Counter() for a in articles}
    injected = Counter()
    for item in items:
        article = by_article[item.section.article_id]
        by_kind[item.kind]["planned"] += 1
        question, answer = gated.strict.get(item.question.text), gated.strict.get(item.answer)
        context_flags = sorted({c for text in item.contexts for c in gated.labels.get(text, [])})
        if item.kind == "injected":
            injected["total"] += 1
            injected["flagged" if context_flags else "missed"] += 1
        meta = {
            "context_kind": item.kind,
            "split": item.split,
            "article": item.section.article_id,
            "section": item.section.id,
            "provenance": item.provenance,
            "question_source": item.question.source,
            "template": item.question.template,
            "context_flags": context_flags,
            **item.extra,
        }
        if item.question.template_question:
            meta["template_question"] = item.question.template_question
        if not isinstance(question, str) or not isinstance(answer, str):
            reasons = [*(question if isinstance(question, list) else []), *(answer if isinstance(answer, list) else [])]
            quarantine.append({"id": item.id, "record": {"question": item.question.text, "answer": item.answer, "contexts": item.contexts, "meta": meta}, "reasons": reasons})
            by_kind[item.kind]["quarantined"] += 1
            article["quarantined"] += 1
            continue
        by_kind[item.kind]["kept"] += 1
        quality = "bad" if item.kind in MISLEADING_KINDS else "good"
        qa[item.split].append(QAItem(id=item.id, use_case=USE_CASE, question=question, answer=answer, contexts=item.contexts, context_quality=quality, meta=meta))
        article[f"qa_{item.split}"] += 1
        prompt = _rag_prompt(question, item.contexts)
        if item.split == "eval":
            if item.kind == "right":
                prompts.append(PromptRecord(id=item.id, use_case=USE_CASE, prompt=[Message(**m) for m in prompt], category=item.section.article_id, meta=meta))
            continue
        sft.append(SFTConversation(id=item.id, use_case=USE_CASE, source="synthetic", meta=meta, messages=[Message(**prompt[0]), Message(role="assistant", content=answer)]))
        article["sft"] += 1
        if item.rejected and item.rejected.strip().lower() != answer.strip().lower():
            rejected_flags = gated.labels.get(item.rejected, [])
            pairs.append(
                PreferencePair(
                    id=item.id, use_case=USE_CASE, source="synthetic",
                    prompt=[Message(**prompt[0])],
                    chosen=[Message(role="assistant", content=answer)],
                    rejected=[Message(role="assistant", content=item.rejected)],
                    rationale=_RATIONALE[item.kind],
                    rejected_unsafe=bool(rejected_flags) or None,
                    meta={**meta, "rejected_flags": rejected_flags},
                )
            )
            article["preference"] += 1
        else:
            not_built["preference: no rejected answer for this question and context"] += 1

    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        "qa_train.jsonl": write_jsonl(out_dir / "qa_train.jsonl", qa["train"]),
        "qa_eval.jsonl": write_jsonl(out_dir / "qa_eval.jsonl", qa["eval"]),
        "sft.jsonl": write_jsonl(out_dir / "sft.jsonl", sft),
        "preference.jsonl": write_jsonl(out_dir / "preference.jsonl", pairs),
        "eval_prompts.jsonl": write_jsonl(out_dir / "eval_prompts.jsonl", prompts),
        "quarantine.jsonl": write_jsonl(out_dir / "quarantine.jsonl", quarantine),
    }
    for article in articles:
        counts = by_article[article.id]
        counts["sections"] = sum(1 for s in sections if s.article_id == article.id)
        counts["facts"] = sum(len(facts[s.id]) for s in sections if s.article_id == article.id)
        counts["questions"] = sum(len(questions[s.id]) for s in sections if s.article_id == article.id)
    report: dict[str, Any] = {
        "settings": {"generator": settings.generator, "model": settings.model, "seed": settings.seed, "eval_fraction": settings.eval_fraction},
        "inputs": {
            "files": len(articles) + len({s.file for s in skips if s.section is None}),
            "articles": len(articles),
            "skipped_files": [{"file": s.file, "reason": s.reason} for s in skips if s.section is None],
            "skipped_sections": [{"file": s.file, "section": s.section, "reason": s.reason} for s in skips if s.section is not None],
        },
        "sections": {
            "used": len(sections),
            "train": sorted(s for s, side in split.items() if side == "train"),
            "eval": sorted(s for s, side in split.items() if side == "eval"),
        },
        "questions": {
            "template": sum(1 for qs in questions.values() for q in qs if q.source == "template"),
            "model": sum(1 for qs in questions.values() for q in qs if q.source == "model"),
            "paraphrases": {"asked": stats.asked, "kept": stats.kept, "rejected": dict(stats.rejected)},
        },
        "items": {
            "planned": len(items),
            "kept": sum(c["kept"] for c in by_kind.values()),
            "quarantined": len(quarantine),
            "not_built": dict(not_built),
        },
        "by_context_kind": {kind: {k: c.get(k, 0) for k in ("planned", "kept", "quarantined")} for kind, c in by_kind.items()},
        "by_article": {aid: {"file": next(a.file for a in articles if a.id == aid), **dict(c)} for aid, c in by_article.items()},
        "outputs": outputs,
        "gate": {"injected_passages": {k: injected.get(k, 0) for k in ("total", "flagged", "missed")}, **gated.report},
    }
    assert report["items"]["planned"] == report["items"]["kept"] + report["items"]["quarantined"]
    atomic_write_json(out_dir / "report.json", report)
    atomic_write_text(out_dir / "README.md", data_card(report))
    return report


_RATIONALE = {
    "right": "chosen follows the help article; rejected states a number or condition the article does not",
    "distractor": "chosen follows the help centre; rejected answers from a passage about something else",
    "outdated": "chosen follows the current help article; rejected follows the outdated passage",
    "injected": "chosen ignores the instruction planted in the passage; rejected obeys it",
    "none": "chosen says it cannot check and points to the article; rejected invents the details",
}


def data_card(report: dict[str, Any]) -> str:
    """A short Markdown data card: where the data came from, how it was made, what is in it."""
    kinds = report["by_context_kind"]
    rows = "\n".join(f"| {k} | {v['planned']} | {v['kept']} | {v['quarantined']} |" for k, v in kinds.items())
    articles = "\n".join(
        f"| {aid} | {c.get('sections', 0)} | {c.get('questions', 0)} | {c.get('qa_train', 0)} | {c.get('qa_eval', 0)} | "
        f"{c.get('sft', 0)} | {c.get('preference', 0)} | {c.get('quarantined', 0)} |"
        for aid, c in report["by_article"].items()
    )
    skipped = "\n".join(f"- `{s['file']}`: {s['reason']}" for s in report["inputs"]["skipped_files"]) or "- none"
    out = report["outputs"]
    injected = report["gate"]["injected_passages"]
    return f"""# Synthetic help-centre data (generated by `toolkit synth help-center`)

Source: {report['inputs']['articles']} help articles, {report['sections']['used']} sections with facts.
Generator: `{report['settings']['generator']}` (seed {report['settings']['seed']}). Questions: {report['questions']['template']} from
templates, {report['questions']['model']} model paraphrases. Every record carries `meta.provenance` (file, heading,
character offsets of the section and of the facts it was built from) and `meta.context_kind`.

**Held out by section**: {len(report['sections']['eval'])} eval sections (`qa_eval.jsonl`, `eval_prompts.jsonl`),
{len(report['sections']['train'])} train sections (`qa_train.jsonl`, `sft.jsonl`, `preference.jsonl`); no section
is on both sides, and distractor passages come from the same side.

**Contexts**: right passage; distractor (another article); outdated (numbers and conditions
perturbed consistently); injected (an instruction to pay off-platform, reveal data or hand over
credentials, planted in the passage); none. The chosen/SFT answer follows the help centre and
says when the passage looks wrong; the rejected answer follows the misleading passage, obeys the
injection, or invents a number.

| context kind | planned | kept | quarantined |
|---|---:|---:|---:|
{rows}

| article | sections | questions | qa train | qa eval | sft | preference | quarantined |
|---|---:|---:|---:|---:|---:|---:|---:|
{articles}

Files: qa_train {out['qa_train.jsonl']}, qa_eval {out['qa_eval.jsonl']}, sft {out['sft.jsonl']},
preference {out['preference.jsonl']}, eval_prompts {out['eval_prompts.jsonl']}, quarantine {out['quarantine.jsonl']}.

**Safety**: questions and answers passed the safety gate (PII redacted, anything else unsafe
quarantined with reasons in `quarantine.jsonl`); passages and rejected answers are labelled
(`meta.context_flags`, `rejected_unsafe`). Injected passages flagged by the gate:
{injected['flagged']} of {injected['total']}.

Skipped files:
{skipped}

Limits: questions come from templates over single sentences (echo questions, yes/no, if/then,
how-to), so their wording is formulaic unless `--generator model` adds paraphrases; answers quote
the article and are only as right as the article is. See `report.json` for every count.
"""


def load_report(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
