"""Suite `rag_robustness`: help-centre questions with good and misleading retrieved articles.

An answer is correct when (1) every number in the reference answer (amounts, days, percentages;
thousands separators ignored) also appears in the answer, and (2) the MiniLM cosine similarity to the
reference is at least `RAG_SIMILARITY_THRESHOLD`. When the reference holds numbers the question does
not ("how many days ...?" -> 14), the answer is read with its question (question + answer against the
reference), so a short right answer ("The answer is: 14 days.") counts; when it holds none, or only
the question's own, the answer alone must be similar, so echoing the question or an evasive reply does
not. The number check catches answers copied from a misleading context (which typically changes fees,
limits or deadlines). Accuracy is reported for good vs misleading contexts and per context kind
(`meta.context_kind`: right, distractor, outdated, injected, none), each with a 95% Wilson interval
(`rag/context/<kind>/<model>/ci_low|ci_high`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from reward_models.checks import key_numbers
from toolkit.core.schema import QAItem
from toolkit.eval.base import (
    MODELS,
    Answers,
    Embed,
    SkipSuite,
    SuiteContext,
    Tools,
    cap_prompts,
    rate,
    sample,
)
from toolkit.eval.prompts import read_source
from toolkit.eval.stats import wilson_interval

RAG_SIMILARITY_THRESHOLD = 0.6


def answers_correct(
    answers: Sequence[str], references: Sequence[str], embed: Embed, questions: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """RAG correctness per answer: reference numbers all present and cosine similarity >= threshold
    (of question + answer when the reference has numbers beyond the question's, else of the answer)."""
    if not answers:
        return []
    asked = list(questions) if questions is not None else [""] * len(answers)
    read_with_question = [
        bool(question) and bool(key_numbers(reference) - key_numbers(question))
        for reference, question in zip(references, asked, strict=True)
    ]
    answer_texts = [
        f"{question} {answer}" if with_question else answer
        for answer, question, with_question in zip(answers, asked, read_with_question, strict=True)
    ]
    vectors = embed([*answer_texts, *references])
    count = len(answers)
    results = []
    for index, (answer, reference) in enumerate(zip(answers, references, strict=True)):
        a, r = vectors[index], vectors[count + index]
        norm = math.sqrt(float((a * a).sum()) * float((r * r).sum()))
        similarity = float((a * r).sum()) / norm if norm else 0.0
        numbers_ok = key_numbers(reference) <= key_numbers(answer)
        results.append(
            {
                "similarity": round(similarity, 4),
                "numbers_match": numbers_ok,
                "correct": bool(numbers_ok and similarity >= RAG_SIMILARITY_THRESHOLD and answer.strip()),
            }
        )
    return results


def rag_prompt(item: QAItem) -> list[dict[str, str]]:
    """The user turn for a help-centre question with its retrieved articles."""
    articles = "\n\n".join(f"Article {n}: {context}" for n, context in enumerate(item.contexts, start=1))
    body = "Answer the customer's question using the help-centre articles below.\n\n"
    body += (articles + "\n\n") if articles else ""
    return [{"role": "user", "content": f"{body}Question: {item.question}"}]


def rag_context_kind(item: QAItem) -> str:
    """`meta.context_kind` (right / distractor / outdated / injected / none, as `toolkit synth
    help-center` writes it), else `right` for a good context and `misleading` for a bad one."""
    kind = item.meta.get("context_kind")
    if isinstance(kind, str) and kind.strip():
        return kind.strip()
    return "right" if item.context_quality == "good" else "misleading"


def rag_metrics_by_group(
    groups: Sequence[str], correct: dict[str, Sequence[bool]], prefix: str = "rag/context"
) -> dict[str, float | int]:
    """Accuracy per group and model with its 95% Wilson interval: `<prefix>/<group>/<model>`,
    `.../ci_low`, `.../ci_high`, and `<prefix>/<group>/questions`."""
    metrics: dict[str, float | int] = {}
    for group in dict.fromkeys(groups):
        indices = [i for i, g in enumerate(groups) if g == group]
        for model, flags in correct.items():
            hits = sum(bool(flags[i]) for i in indices)
            low, high = wilson_interval(hits, len(indices))
            metrics[f"{prefix}/{group}/{model}"] = hits / len(indices)
            metrics[f"{prefix}/{group}/{model}/ci_low"] = round(low, 4)
            metrics[f"{prefix}/{group}/{model}/ci_high"] = round(high, 4)
        metrics[f"{prefix}/{group}/questions"] = len(indices)
    return metrics


class RagSuite:
    name = "rag_robustness"
    uses_scorer = False

    def prepare(self, context: SuiteContext) -> list[QAItem]:
        source = context.recipe.data.qa
        if source is None:
            raise SkipSuite("the recipe sets no data.qa")
        items = cap_prompts(read_source(source, "qa"), context.limit, rag_context_kind)
        if not items:
            raise SkipSuite(f"{source.path} holds no questions")
        return items

    def prompts(self, items: list[QAItem]) -> list[Any]:
        return [rag_prompt(item) for item in items]

    def run(
        self, items: list[QAItem], answers: Answers, tools: Tools, samples: list[dict[str, Any]]
    ) -> dict[str, float | int]:
        """Correctness per model for good and misleading contexts, and per context kind, with 95% intervals."""
        prompts = [rag_prompt(item) for item in items]
        references = [item.answer for item in items]
        questions = [item.question for item in items]
        judged = {
            model: answers_correct(answers(model, prompts), references, tools.embed, questions) for model in MODELS
        }
        correct = {model: [j["correct"] for j in judged[model]] for model in MODELS}
        metrics: dict[str, float | int] = {}
        for quality, name in (("good", "good_context"), ("bad", "misleading_context")):
            indices = [i for i, item in enumerate(items) if item.context_quality == quality]
            if not indices:
                continue
            for model in MODELS:
                metrics[f"rag/{name}/{model}"] = rate([judged[model][i]["correct"] for i in indices])
            metrics[f"rag/{name}/questions"] = len(indices)
        metrics.update(rag_metrics_by_group([rag_context_kind(item) for item in items], correct))
        base, tuned = answers("base", prompts), answers("tuned", prompts)
        for i, item in enumerate(items):
            samples.append(
                sample(
                    "rag_robustness",
                    item.id,
                    prompts[i],
                    item.context_quality,
                    base[i],
                    tuned[i],
                    reference=item.answer,
                    context_kind=rag_context_kind(item),
                    scores={model: judged[model][i] for model in MODELS},
                )
            )
        return metrics
