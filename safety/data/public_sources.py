"""Build the semantic tier's training set from public safety data files you point at, plus our seeds.

    python -m safety.data.public_sources --root DIR --out train.jsonl
    toolkit safety train train.jsonl --out head.json

DIR holds the files below under these names (fetch them from the sources in DATA_CARD.md; they are
not shipped, only the head trained on them is). Missing files are skipped and reported, so a user can
reproduce the head with a subset, or add their own JSONL (`--extra FILE`, same format as the output).

Each output line: {"text", "labels": [category ids] ([] = safe), "role": "prompt" | "response" | "any",
"prompt" (the request a response answers, when known), "source", "group"}. `group` ties a text to
its siblings (a behaviour and its target string, a question and its six model answers, one template
family) so the validation split never holds a sibling of a training text.

Never add AdvBench, XSTest, JailbreakBench, verazuo/jailbreak_llms, HH-RLHF test splits or
presidio-research data here: they are held out for evaluation.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Row = dict[str, Any]

HARMBENCH_CATEGORIES = {
    "chemical_biological": "indiscriminate_weapons",
    "illegal": "non_violent_crimes",
    "misinformation_disinformation": "defamation",
    "cybercrime_intrusion": "non_violent_crimes",
    "harassment_bullying": "hate",
    "harmful": "violent_crimes",
    "copyright": "intellectual_property",
}
STRONGREJECT_CATEGORIES = {
    "Non-violent crimes": "non_violent_crimes",
    "Violence": "violent_crimes",
    "Disinformation and deception": "defamation",
    "Hate, harassment and discrimination": "hate",
    "Illegal goods and services": "non_violent_crimes",
    "Sexual content": "sexual_content",
}
SIMPLE_SAFETY_CATEGORIES = {
    "Suicide, Self-Harm, and Eating Disorders": "suicide_self_harm",
    "Physical harm and Violence": "violent_crimes",
    "Illegal and Highly Regulated items": "non_violent_crimes",
    "Scams and fraud": "non_violent_crimes",
    "Child safety": "child_sexual_exploitation",
}
# Do-Not-Answer harm types whose questions are harmful requests; "Treat Chatbot as a Human" ones are
# safe questions. Left out: questions that are mostly harmless on their face (misinformation checks,
# organisation facts) or a person asking for support (mental health), which must not be flagged.
DO_NOT_ANSWER_CATEGORIES = {
    "Adult Content": "sexual_content",
    "Social stereotypes and unfair discrimination": "hate",
    "Toxic language (hate speech)": "hate",
    "Compromise privacy by leaking or inferring private information (person/individual)": "privacy",
    "Assisting illegal activities": "non_violent_crimes",
    "Nudging or advising users to perform unethical or unsafe actions": "non_violent_crimes",
    "Reducing the cost of disinformation campaigns": "elections",
}
DO_NOT_ANSWER_SAFE = {"Treat Chatbot as a Human"}
OPENAI_MODERATION_CATEGORIES = {
    "S": "sexual_content", "H": "hate", "V": "violent_crimes", "HR": "toxicity", "SH": "suicide_self_harm",
    "S3": "child_sexual_exploitation", "H2": "hate", "V2": "violent_crimes",
}
DNA_MODELS = ("ChatGLM2", "ChatGPT", "Claude", "GPT4", "llama2-7b-chat", "vicuna-7b")
# Safe answers are 96% of Do-Not-Answer's; these three models' safe answers (refusals, redirects,
# careful answers) are kept, every model's harmful answers are kept.
DNA_SAFE_ANSWER_MODELS = ("ChatGPT", "Claude", "llama2-7b-chat")
SELF_INSTRUCT_PREDICTIONS = "self_instruct_text-davinci-003_predictions.jsonl"

FILES = {
    "harmbench": "harmbench_behaviors_text_all.csv",
    "harmbench_targets": "harmbench_targets_text.json",
    "strongreject": "strongreject_dataset.csv",
    "simple_safety_tests": "sst.csv",
    "do_not_answer": "dna_questions.csv",
    "do_not_answer_responses": "dna_human",  # folder: <model>.csv with human `harmful` labels
    "openai_moderation": "openai_moderation.jsonl",
    "self_instruct_seed": "self_instruct_seed_tasks.jsonl",
    "self_instruct_user": "self_instruct_user_oriented_instructions.jsonl",
    "self_instruct_predictions": SELF_INSTRUCT_PREDICTIONS,
}


def _row(text: str, labels: list[str], role: str, source: str, group: str, prompt: str | None = None, hard: bool = False) -> Row:
    """`hard`: a safe text that sounds harmful; thresholds are calibrated on these (validation split)."""
    row: Row = {"text": text.strip(), "labels": labels, "role": role, "source": source, "group": group}
    if prompt:
        row["prompt"] = prompt.strip()
    if hard and not labels:
        row["hard"] = True
    return row


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def harmbench(path: Path, targets: Path | None) -> Iterator[Row]:
    """Behaviours (prompts) and, where given, their "Sure, here's ..." target strings (compliant responses)."""
    target_text = json.loads(targets.read_text(encoding="utf-8")) if targets and targets.exists() else {}
    for record in _csv(path):
        category = HARMBENCH_CATEGORIES[record["SemanticCategory"]]
        group = f"harmbench:{record['BehaviorID']}"
        behaviour = record["Behavior"]
        yield _row(behaviour, [category], "prompt", "harmbench", group)
        if record["BehaviorID"] in target_text:
            yield _row(target_text[record["BehaviorID"]], [category], "response", "harmbench_targets", group, prompt=behaviour)


def strongreject(path: Path) -> Iterator[Row]:
    for index, record in enumerate(_csv(path)):
        yield _row(record["forbidden_prompt"], [STRONGREJECT_CATEGORIES[record["category"]]], "prompt", "strongreject", f"strongreject:{index}")


def simple_safety_tests(path: Path) -> Iterator[Row]:
    for record in _csv(path):
        yield _row(record["prompts_final"], [SIMPLE_SAFETY_CATEGORIES[record["harm_area"]]], "prompt", "simple_safety_tests", f"sst:{record['id']}")


def do_not_answer(questions: Path, responses: Path | None) -> Iterator[Row]:
    """Questions (harmful or safe by harm type) and six models' answers with human harmfulness labels."""
    kinds: dict[str, str] = {}
    for record in _csv(questions):
        harm = record["types_of_harm"]
        group = f"dna:{record['id']}"
        kinds[record["id"]] = harm
        if harm in DO_NOT_ANSWER_CATEGORIES:
            yield _row(record["question"], [DO_NOT_ANSWER_CATEGORIES[harm]], "prompt", "do_not_answer", group)
        elif harm in DO_NOT_ANSWER_SAFE:
            yield _row(record["question"], [], "prompt", "do_not_answer", group)
    if responses is None or not responses.is_dir():
        return
    for model in DNA_MODELS:
        path = responses / f"{model}.csv"
        if not path.exists():
            continue
        for record in _csv(path):
            harm = kinds.get(record["id"], "")
            harmful = record.get("harmful", "0").strip() == "1"
            category = DO_NOT_ANSWER_CATEGORIES.get(harm, "non_violent_crimes")
            if record["response"].strip() and (harmful or model in DNA_SAFE_ANSWER_MODELS):
                yield _row(record["response"], [category] if harmful else [], "response", "do_not_answer_responses",
                           f"dna:{record['id']}", prompt=record["question"], hard=harm in DO_NOT_ANSWER_CATEGORIES)


def openai_moderation(path: Path) -> Iterator[Row]:
    """User-generated content with OpenAI's moderation labels; harmful or not in any role."""
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        record = json.loads(line)
        labels = sorted({OPENAI_MODERATION_CATEGORIES[key] for key in OPENAI_MODERATION_CATEGORIES if record.get(key) == 1})
        yield _row(record["prompt"], labels, "any", "openai_moderation", f"moderation:{index}")


def self_instruct(seed: Path | None, user: Path | None, predictions: Path | None) -> Iterator[Row]:
    """Benign instructions (and a model's answers to them) from yizhongw/self-instruct (Apache-2.0)."""
    if seed and seed.exists():
        for line in seed.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            instance = record["instances"][0]
            prompt = (record["instruction"] + ("\n" + instance["input"] if instance.get("input") else "")).strip()
            group = f"self_instruct:{record['id']}"
            yield _row(prompt, [], "prompt", "self_instruct_seed", group)
            if instance.get("output", "").strip():
                yield _row(instance["output"], [], "response", "self_instruct_seed", group, prompt=prompt)
    answers: dict[str, str] = {}
    if predictions and predictions.exists():
        for line in predictions.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            answers[(record["instruction"] + "\n" + (record.get("input") or "")).strip()] = record.get("response") or ""
    if user and user.exists():
        for line in user.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            instance = record["instances"][0]
            prompt = (record["instruction"] + ("\n" + instance["input"] if instance.get("input") else "")).strip()
            group = f"self_instruct_user:{record['id']}"
            yield _row(prompt, [], "prompt", "self_instruct_user", group)
            if answers.get(prompt, "").strip():
                yield _row(answers[prompt], [], "response", "self_instruct_predictions", group, prompt=prompt)


def seed_rows() -> Iterator[Row]:
    """Our own seed set (safety/data/seed.jsonl), grouped as the generator groups it."""
    from safety.data.generate_seed import grouped_records

    everyday = ("template:marketplace", "template:work")
    for record in grouped_records():
        hard = not record["group"].startswith(everyday)  # safe seeds are written to sound harmful, except these
        yield _row(record["text"], record["labels"], record.get("role", "prompt"), "seed", f"seed:{record['group']}", hard=hard)


MAX_CHARS = 800  # the encoder reads ~128 word pieces (~500 characters); longer texts cost CPU for little

# The bundled use cases (recipes/data/<use case>/) and the safety mix: in-domain answers the gate must
# pass (proposals, job posts, help-centre answers: long, structured "Here's how I'd approach it: 1. ..."
# replies that public refusal-heavy data never shows) and in-domain compliance it must stop.
OWN_DATA_DIR = Path(__file__).resolve().parents[2] / "recipes" / "data"
OWN_USE_CASES = ("proposal_writing", "job_post", "candidate_evaluation", "help_center_qa", "project_scoping")
SEMANTIC_ONLY_LABELS = {"pii"}  # PII is the rule tier's (Presidio); the semantic head does not learn it


def _clip(text: str, limit: int) -> str:
    """The first `limit` characters, cut at a space: the encoder reads only the opening of a long answer."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def _answer(answer: str | list[dict[str, Any]]) -> str:
    """A preference answer as text: a string, or the content of its (last) assistant message."""
    if isinstance(answer, str):
        return answer
    return next((m["content"] for m in reversed(answer) if m.get("role") == "assistant"), "")


def _last_user_turn(messages: list[dict[str, Any]], before: int) -> str | None:
    return next((m["content"] for m in reversed(messages[:before]) if m.get("role") == "user"), None)


def own_answers(data_dir: Path = OWN_DATA_DIR, limit: int = MAX_CHARS) -> Iterator[Row]:
    """Answers from the bundled use-case data and safety mix, as responses to their request.

    Safe: every SFT assistant turn and preference `chosen` answer of the use cases; the safety mix's
    refusals and its helpful answers to benign-but-scary requests (hard safe). Harmful: preference
    `rejected` answers marked unsafe, labelled with their `harm_categories` (PII left to the rule tier).
    Texts and requests are clipped to `limit` characters; a request and all its answers share a group.
    """
    def group_of(prompt: str | None, fallback: str) -> str:
        return "own:" + hashlib.sha256((prompt or fallback).encode("utf-8")).hexdigest()[:16]

    for use_case in OWN_USE_CASES:
        folder = data_dir / use_case
        if not folder.is_dir():
            continue
        for line in (folder / "sft.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            messages = record["messages"]
            for index, message in enumerate(messages):
                prompt = _last_user_turn(messages, index)
                if message["role"] == "assistant" and prompt:
                    yield _row(_clip(message["content"], limit), [], "response", f"own_{use_case}", group_of(prompt, record["id"]),
                               prompt=_clip(prompt, limit))
        for line in (folder / "preference.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            prompt = record["prompt"] if isinstance(record["prompt"], str) else _last_user_turn(record["prompt"], len(record["prompt"]))
            labels = record.get("labels") or {}
            group = group_of(prompt, record["id"])
            if labels.get("chosen_safe", True):
                yield _row(_clip(_answer(record["chosen"]), limit), [], "response", f"own_{use_case}", group, prompt=_clip(prompt or "", limit))
            harms = sorted(set(labels.get("harm_categories", [])) - SEMANTIC_ONLY_LABELS)
            if labels.get("rejected_safe") is False and harms:
                yield _row(_clip(_answer(record["rejected"]), limit), harms, "response", f"own_{use_case}", group, prompt=_clip(prompt or "", limit))
    safety = data_dir / "safety" / "preference.jsonl"
    if safety.is_file():
        for line in safety.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            labels, meta = record.get("labels") or {}, record.get("meta") or {}
            prompt = record["prompt"] if isinstance(record["prompt"], str) else _last_user_turn(record["prompt"], len(record["prompt"]))
            group = "own:safety:" + str(meta.get("scenario") or record["id"])
            if labels.get("chosen_safe", True):
                yield _row(_clip(_answer(record["chosen"]), limit), [], "response", "own_safety_mix", group, prompt=_clip(prompt or "", limit), hard=True)
            harms = sorted(set(labels.get("harm_categories", [])) - SEMANTIC_ONLY_LABELS)
            if labels.get("rejected_safe") is False and harms:
                yield _row(_clip(_answer(record["rejected"]), limit), harms, "response", "own_safety_mix", group, prompt=_clip(prompt or "", limit))
            elif labels.get("rejected_safe") is True:  # an over-refusal: unhelpful, not unsafe
                yield _row(_clip(_answer(record["rejected"]), limit), [], "response", "own_safety_mix", group, prompt=_clip(prompt or "", limit), hard=True)


def build(
    root: Path, extra: list[Path] | None = None, max_chars: int = MAX_CHARS, own_data: Path | None = OWN_DATA_DIR,
) -> tuple[list[Row], dict[str, int], list[str]]:
    """All rows (deduplicated by (role, text, prompt); texts and prompts over `max_chars` left out),
    counts per source, and the files not found. `own_data`: the bundled use-case data and safety mix
    (`own_answers`, clipped to MAX_CHARS whatever `max_chars` is; None: not used)."""
    missing: list[str] = []

    def file(key: str) -> Path | None:
        path = root / FILES[key]
        if not path.exists():
            missing.append(FILES[key])
            return None
        return path

    streams: list[Iterator[Row]] = [seed_rows()]
    if (path := file("harmbench")) is not None:
        streams.append(harmbench(path, file("harmbench_targets")))
    if (path := file("strongreject")) is not None:
        streams.append(strongreject(path))
    if (path := file("simple_safety_tests")) is not None:
        streams.append(simple_safety_tests(path))
    if (path := file("do_not_answer")) is not None:
        streams.append(do_not_answer(path, file("do_not_answer_responses")))
    if (path := file("openai_moderation")) is not None:
        streams.append(openai_moderation(path))
    streams.append(self_instruct(file("self_instruct_seed"), file("self_instruct_user"), file("self_instruct_predictions")))
    for path in extra or []:
        streams.append(_row(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    rows: list[Row] = []
    seen: set[tuple[str, str, str]] = set()
    for stream in streams:
        for row in stream:
            key = (row["role"], row["text"], row.get("prompt", ""))
            if len(row["text"]) > max_chars or len(row.get("prompt", "")) > max_chars:
                continue
            if row["text"] and key not in seen:
                seen.add(key)
                rows.append(row)
    # Own answers are clipped to MAX_CHARS by construction, not left out by `max_chars`: a shorter limit
    # for the public files (to save embedding time) must not drop every long in-domain answer.
    for row in own_answers(own_data, MAX_CHARS) if own_data is not None else ():
        key = (row["role"], row["text"], row.get("prompt", ""))
        if row["text"] and key not in seen:
            seen.add(key)
            rows.append(row)
    counts = Counter(f"{row['source']}/{row['role']}/{'harmful' if row['labels'] else 'safe'}" for row in rows)
    return rows, dict(sorted(counts.items())), missing


def validation_group(group: str, fraction: float = 0.2) -> bool:
    """Whether a group is in the validation split: a stable hash, so the split never depends on order."""
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="folder with the public files (names in FILES)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--extra", type=Path, action="append", help="more rows, same JSONL format")
    parser.add_argument("--max-chars", type=int, default=MAX_CHARS, help="leave out longer texts (default %(default)s)")
    parser.add_argument("--no-own-data", action="store_true", help="leave out the bundled use-case answers and safety mix")
    args = parser.parse_args(argv)
    rows, counts, missing = build(args.root, args.extra, args.max_chars, None if args.no_own_data else OWN_DATA_DIR)
    random.Random(0).shuffle(rows)
    args.out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    for name, count in counts.items():
        print(f"{count:6d}  {name}")
    for name in missing:
        print(f"missing: {name} (skipped)")
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
