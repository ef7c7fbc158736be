"""Questions about a section's facts: templates, then (optionally) paraphrases by a local model.

Templates are deliberately plain so that every question has a checkable answer in its fact:
- a quantity becomes the question word ("The freelancer has how many days to accept a refund?");
- "If X, Y." becomes "What happens if X?"; "To X, do Y." becomes "How do I X?";
- an imperative step becomes "How do I <step>?"; ordered steps become "What are the steps in <title>?";
- a condition (never, only, must, not, unless, free, ...) becomes a yes/no question, asked once as
  stated (answer: yes) and once with the condition flipped (answer: no, and the real rule).
With `--generator model`, each template question is also rewritten by a causal LM; a rewrite is kept
only if it is a question, keeps every number of the template, and is not a near duplicate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from toolkit.synth.articles import Section
from toolkit.synth.facts import Fact, Quantity
from toolkit.synth.perturb import Perturbation, numbers_in

MAX_QUESTIONS_PER_SECTION = 8
NEAR_DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class Question:
    text: str
    template: str
    section_id: str
    facts: tuple[Fact, ...]
    answer: str  # the grounded core answer, built from the facts only
    source: str = "template"  # template | model
    template_question: str | None = None


def _wh_phrase(quantity: Quantity) -> str | None:
    if quantity.kind == "money":
        return "how much"
    if quantity.kind == "percent":
        return "what percentage"
    if quantity.kind == "duration" and quantity.unit:
        return f"how many {quantity.unit if quantity.unit.endswith('s') else quantity.unit + 's'}"
    if quantity.kind == "count" and quantity.noun:
        return f"how many {quantity.noun}"
    return None


def _as_question(text: str) -> str:
    text = text.strip().rstrip(".!;:").strip()
    return text[:1].upper() + text[1:] + "?"


def _lower_first(text: str) -> str:
    word = text.split(" ", 1)[0]
    if word == "I" or any(c.isupper() for c in word[1:]):
        return text
    return text[:1].lower() + text[1:]


def _clause_with(sentence: str, start: int) -> tuple[str, int]:
    """The `;`-separated clause of the sentence holding position `start`, and the clause's offset."""
    offset = 0
    for clause in sentence.split("; "):
        if offset <= start < offset + len(clause):
            return clause, offset
        offset += len(clause) + 2
    return sentence, 0


_PRONOUN_START = {"that", "it", "they", "this", "these", "those", "he", "she", "them"}


def _is_imperative(sentence: str) -> bool:
    """An instruction ("Turn on ...", "Before X, don't ...") rather than a statement."""
    words = [sentence.split(" ", 1)[0]] + ([sentence.split(", ", 1)[1].split(" ", 1)[0]] if ", " in sentence else [])
    return any(w.lower().strip(",") in _IMPERATIVE_START for w in words)


_OBJECT_YOU = re.compile(
    r"\b(asks?|tells?|sends?|gives?|emails?|pays?|contacts?|helps?|lets?|shows?|charges?|to|for|with|from|notify|notifies) you\b"
)


def _first_person(text: str) -> str:
    """The customer asks, so "you" in the article becomes "I"/"me" in the question."""
    text = _OBJECT_YOU.sub(lambda m: f"{m.group(1)} me", text)
    for pattern, replacement in ((r"\byou're\b", "I'm"), (r"\byou\b", "I"), (r"\byour\b", "my"), (r"\byourself\b", "myself")):
        text = re.sub(pattern, replacement, text)
    return text


def _refers_back(sentence: str) -> bool:
    """Starts with a pronoun ("If they do nothing ...", "It expires ..."): unclear without the paragraph."""
    words = sentence.split()
    first = [w.lower().strip(",") for w in words[:2]]
    return bool(first) and (first[0] in _PRONOUN_START or (first[0] == "if" and len(first) > 1 and first[1] in _PRONOUN_START))


def quantity_questions(fact: Fact) -> list[Question]:
    out = []
    if _is_imperative(fact.text) or _refers_back(fact.text):
        return out
    for quantity in fact.quantities[:2]:
        if fact.text[: quantity.start].count("(") > fact.text[: quantity.start].count(")"):
            continue  # inside parentheses: the question would not read
        phrase = _wh_phrase(quantity)
        if phrase is None:
            continue
        clause, offset = _clause_with(fact.text, quantity.start)
        start, end = quantity.start - offset, quantity.end - offset
        if end > len(clause) or len(clause.split()) > 30:
            continue
        before = clause[:start]
        if re.search(r"\bthe\s+$", before):
            continue  # "... or the 14 days are over": "the how many days" does not read
        if quantity.kind == "percent" and re.search(r"\ban?\s+$", before):
            before = re.sub(r"\ban?\s+$", "", before)
        question = before + phrase + clause[end:]
        answer = clause.strip().rstrip(".") + "."
        out.append(Question(_as_question(question), f"quantity_{quantity.kind}", fact.section_id, (fact,), answer[:1].upper() + answer[1:]))
    return out


_IMPERATIVE_START = {
    "turn", "use", "go", "open", "click", "store", "contact", "report", "upload", "add", "choose", "select", "enter",
    "message", "change", "sign", "set", "send", "check", "keep", "tap", "review", "submit", "only", "don't", "do",
    "never", "always", "make", "read", "try", "ask", "pick",
}
_IMPERATIVE_RESULT = {
    "you", "contact", "change", "use", "go", "turn", "report", "try", "ask", "click", "open", "send", "message",
    "upload", "store", "remove", "check", "first",
}


def condition_questions(fact: Fact, flip: Perturbation) -> list[Question]:
    out: list[Question] = []
    text = fact.text.strip()
    if _refers_back(text):
        return out
    answer = text if text.endswith((".", "!", "?")) else text + "."
    match = re.match(r"If (?P<cond>[^,]+), (?P<then>.+)$", text)
    if match and match.group("cond").split(" ", 1)[0].lower() not in _PRONOUN_START:
        then_word = match.group("then").split(" ", 1)[0].lower()
        lead = "What should I do if" if then_word in _IMPERATIVE_RESULT else "What happens if"
        condition = _first_person(match.group("cond"))
        out.append(Question(_as_question(f"{lead} {condition}"), "if_then", fact.section_id, (fact,), answer))
    match = re.match(r"To (?P<goal>[^,]+), (?P<how>.+)$", text)
    if match:
        goal = _first_person(match.group("goal"))
        out.append(Question(_as_question(f"How do I {goal}"), "how_to", fact.section_id, (fact,), answer))
    elif "step" in fact.kinds and fact.block_kind != "step" and not text.lower().startswith("if "):
        first = text.split(" ", 1)[0].lower()
        pronoun = re.search(r"\b(them|it|they|this|that)\b", text.split("; ")[0], re.IGNORECASE)
        if first in {"turn", "use", "go", "open", "click", "store", "contact", "report", "upload", "add", "change", "set", "check", "keep"} and not pronoun:
            step = _first_person(_lower_first(text.split("; ")[0].rstrip(".")))
            out.append(Question(_as_question(f"How do I {step}"), "how_to", fact.section_id, (fact,), answer))
    if "condition" in fact.kinds and not out and len(text.split()) <= 30 and not _is_imperative(text):
        statement = _lower_first(text.rstrip("."))
        flipped = flip.apply(statement)
        out.append(Question(_as_question(f"Is it true that {statement}"), "yes_no", fact.section_id, (fact,), f"Yes. {answer}"))
        if flipped != statement:
            out.append(Question(_as_question(f"Is it true that {flipped}"), "yes_no_flipped", fact.section_id, (fact,), f"No. {answer}"))
    return out


def step_questions(section: Section, facts: Sequence[Fact]) -> list[Question]:
    steps = [fact for fact in facts if fact.block_kind == "step"]
    if len(steps) < 2:
        return []
    answer = " ".join(f"{n}. {fact.text.strip()}" for n, fact in enumerate(steps, start=1))
    return [Question(f'What are the steps in "{section.title}"?', "steps", section.id, tuple(steps), answer)]


def template_questions(section: Section, facts: Sequence[Fact], flip: Perturbation) -> list[Question]:
    """Template questions for a section, number/duration questions first, at most MAX per section."""
    questions: list[Question] = step_questions(section, facts)
    for fact in facts:
        questions += quantity_questions(fact)
    for fact in facts:
        questions += condition_questions(fact, flip)
    return dedupe(questions)[0][:MAX_QUESTIONS_PER_SECTION]


# ---------------------------------------------------------------- de-duplication
def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9%$]+", text.lower()))


def near_duplicate(a: str, b: str) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return ta == tb
    return len(ta & tb) / len(ta | tb) >= NEAR_DUPLICATE_JACCARD


_YES_NO_PAIR = {"yes_no", "yes_no_flipped"}  # a statement and its flipped version differ in one word on purpose


def dedupe(questions: Sequence[Question], against: Sequence[str] = ()) -> tuple[list[Question], int]:
    """Drop questions that are near duplicates of an earlier one (or of `against`); returns the count dropped."""
    kept: list[Question] = []
    seen: list[tuple[str, str]] = [(text, "") for text in against]
    dropped = 0
    for question in questions:
        if any(near_duplicate(question.text, other) and {template, question.template} != _YES_NO_PAIR for other, template in seen):
            dropped += 1
            continue
        kept.append(question)
        seen.append((question.text, question.template))
    return kept, dropped


# ---------------------------------------------------------------- paraphrases by a model
Paraphrase = Callable[[Sequence[str]], list[str]]
PARAPHRASE_INSTRUCTION = (
    "Rewrite the customer's question below in your own words, as a customer would ask it. "
    "Keep every number and the meaning. Reply with the rewritten question only.\n\nQuestion: {question}"
)


@dataclass
class ParaphraseStats:
    asked: int = 0
    kept: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


def check_paraphrase(candidate: str, original: str) -> str | None:
    """Why a model's rewrite cannot be used (None: it can)."""
    text = candidate.strip()
    if not text:
        return "empty"
    if not text.endswith("?"):
        return "not a question"
    words = len(text.split())
    if words < 4 or words > 45:
        return "length"
    if sorted(numbers_in(text)) != sorted(numbers_in(original)):
        return "numbers changed"
    if near_duplicate(text, original):
        return "near duplicate"
    if _ABOUT_THE_QUESTION.search(text) or _content_overlap(text, original) < MIN_CONTENT_OVERLAP:
        return "meaning changed"
    return None


# A rewrite must keep most of what the question is about. SmolLM2-135M, asked for a paraphrase, often
# wraps the question in a preamble ('The customer asks, "..."', kept by `clean_generation`), asks about
# "this question" itself, or swaps the subject while keeping the numbers ("What percentage of a payment
# is a minimum of $2?").
MIN_CONTENT_OVERLAP = 0.5
_ABOUT_THE_QUESTION = re.compile(r"\b(?:this|the|that|original|customer's) question\b|\bthe answer\b", re.IGNORECASE)
_STOPWORDS = frozenset(
    "what which when where who whom whose why how does do did is are was were will would can could should "
    "have has had the a an of to in on for and or if my your their our with after before from about this "
    "that there then than much many long".split()
)


def _content_stems(text: str) -> set[str]:
    return {t[:5] for t in re.findall(r"[a-z]+", text.lower()) if len(t) > 2 and t not in _STOPWORDS}


def _content_overlap(candidate: str, original: str) -> float:
    """Share of the original's content words (5-letter stems) that the candidate keeps."""
    wanted = _content_stems(original)
    return len(wanted & _content_stems(candidate)) / len(wanted) if wanted else 1.0


def clean_generation(text: str) -> str:
    """The first line of a generation, without a 'Question:' label or quotes; when the line wraps a
    quoted question in a preamble ('A customer might ask, "...?'), the quoted question."""
    line = next((line.strip() for line in text.strip().splitlines() if line.strip()), "")
    quoted = re.search(r"[\"“]([^\"“”]+\?)", line)
    if quoted:
        line = quoted.group(1)
    line = re.sub(r"^(?:rewritten question|question|q)\s*:\s*", "", line, flags=re.IGNORECASE)
    return line.strip().strip('"“”').strip()


def paraphrase_questions(
    questions: Sequence[Question], paraphrase: Paraphrase, stats: ParaphraseStats
) -> list[Question]:
    """One model rewrite per template question; keeps only rewrites that pass `check_paraphrase` and
    are not near duplicates of any question of the same section."""
    if not questions:
        return []
    outputs = paraphrase([q.text for q in questions])
    stats.asked += len(questions)
    by_section: dict[str, list[str]] = {}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(question.text)
    kept: list[Question] = []
    for question, raw in zip(questions, outputs, strict=True):
        text = clean_generation(raw)
        problem = check_paraphrase(text, question.text)
        if problem is None and any(near_duplicate(text, other) for other in by_section[question.section_id]):
            problem = "near duplicate"
        if problem is not None:
            stats.rejected[problem] += 1
            continue
        by_section[question.section_id].append(text)
        kept.append(
            Question(text, question.template, question.section_id, question.facts, question.answer, "model", question.text)
        )
        stats.kept += 1
    return kept


def model_paraphraser(model_name: str, batch_size: int = 8, max_new_tokens: int = 48) -> Paraphrase:
    """A local causal LM (resolved like a recipe's model.name: embedded, local folder or hub id) that
    rewrites questions, greedy and batched with left padding (the eval's generator)."""
    import torch
    from transformers import AutoModelForCausalLM

    from toolkit.eval.generation import make_generator
    from toolkit.models import load_tokenizer, resolve_model

    path = resolve_model(model_name)
    tokenizer = load_tokenizer(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    generate = make_generator(model.eval(), tokenizer, max_new_tokens, batch_size)
    suffix = "" if tokenizer.chat_template else "\nRewritten question:"

    def paraphrase(questions: Sequence[str]) -> list[str]:
        return generate([PARAPHRASE_INSTRUCTION.format(question=q) + suffix for q in questions])

    return paraphrase
