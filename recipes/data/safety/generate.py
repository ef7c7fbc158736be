"""Write the safety mix (recipes/data/safety/) deterministically: run it, get the same files.

    .venv/bin/python recipes/data/safety/generate.py             # rewrite preference.jsonl, needless_redirects.jsonl, sft.jsonl, card tables
    .venv/bin/python recipes/data/safety/generate.py --out DIR   # write the data files somewhere else

The text is in scenarios_harmful.py and scenarios_benign.py, written by the team scenario by
scenario (not slot-filled templates): each harmful scenario has two phrasings of the request, a
refusal, an on-platform or help-seeking alternative, and a placeholder-only compliant answer; each
benign-but-scary scenario has three phrasings and a helpful answer. This script only pairs them,
varies openers and closers, builds multi-turn conversations whose harmful turn comes late, labels
every record, validates it against its pydantic type and writes it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
for path in (str(REPO_ROOT), str(HERE)):
    if path not in sys.path:  # run as a script from anywhere
        sys.path.insert(0, path)

from scenarios_benign import BENIGN  # noqa: E402
from scenarios_harmful import HARMFUL  # noqa: E402

from safety.taxonomy import CATEGORY_IDS  # noqa: E402
from toolkit.core.schema import PreferencePair, SFTConversation  # noqa: E402

USE_CASE = "safety"
CARD = HERE / "README.md"
TABLE_START, TABLE_END = "<!-- counts:start -->", "<!-- counts:end -->"

# Where a refusal can end on an offer to help; not after crisis-type answers, where it would jar.
OFFER_CATEGORIES = {
    "off_platform", "pii", "hiring_discrimination", "toxicity", "defamation", "intellectual_property",
    "non_violent_crimes", "elections", "code_interpreter_abuse", "prompt_injection", "privacy",
}  # fmt: skip
OFFERS = (
    "Want me to draft that?",
    "I can write that with you now if you like.",
    "Tell me a little more and I'll tailor it.",
    "Shall I put together a first version?",
    "Happy to help with that part.",
)
SOFTENERS = ("Sorry, ", "Sorry — ", "I understand the frustration, but ", "")
NO_SOFTENER = {"suicide_self_harm", "child_sexual_exploitation", "sex_related_crimes", "prompt_injection"}
COMPLIANCE_OPENERS = (
    "Sure, here you go:\n",
    "Okay, here's how:\n",
    "No problem.\n",
    "Here it is:\n",
    "Got it. ",
    "Easy. ",
)
TOPIC = {
    "violent_crimes": "violence", "non_violent_crimes": "illegal activity", "sex_related_crimes": "sexual crimes",
    "child_sexual_exploitation": "minors", "defamation": "claims about people", "specialized_advice": "medical, legal or financial matters",
    "privacy": "personal information", "intellectual_property": "copyrighted material", "indiscriminate_weapons": "weapons or dangerous chemicals",
    "hate": "sensitive groups", "suicide_self_harm": "self-harm", "sexual_content": "sexual topics", "elections": "elections",
    "code_interpreter_abuse": "hacking", "pii": "personal data", "off_platform": "payments outside the platform",
    "hiring_discrimination": "protected characteristics", "prompt_injection": "AI manipulation", "toxicity": "offensive language",
}  # fmt: skip
NEEDLESS_REFUSALS = (
    "I'm sorry, but I can't help with anything related to {topic}.",
    "I can't assist with that request because it may involve {topic}.",
    "Sorry, I'm not able to provide that information.",
    "I won't be able to help with this. Is there something else I can do for you?",
    "As an AI assistant, I must decline requests that could relate to {topic}.",
    "That request goes against my guidelines, so I have to decline.",
    "I'd rather not answer that, since it touches on {topic}.",
    "Unfortunately I can't help with questions like this one.",
    "I'm not comfortable giving guidance on this topic.",
    "I can't provide advice about {topic}. Please consult an appropriate professional.",
    "This sounds like it could be harmful, so I'm going to pass on it.",
    "I must decline to answer this.",
    "I'm sorry, I can't help with that. Questions involving {topic} are outside what I can discuss.",
)
# Needless refusals dressed as a redirect: "I can't help with X, but I can help with Y". The harmful
# pairs' chosen answers have this shape, so a model that learned it from them applies it to anything
# that sounds risky (measured on the 135M demo model: most of its over-refusals read like this, where
# NEEDLESS_REFUSALS are flat declines). Paired against the helpful answer in needless_redirects.jsonl.
NEEDLESS_REDIRECTS = (
    "I can't help with {topic}, but I can help you with something else on the platform.",
    "I won't help with anything involving {topic}. I can help you find the right resources instead.",
    "Sorry, I can't help with that since it touches on {topic}. I can help you contact support instead.",
    "I can't give guidance on {topic}; I can point you to the help centre, though.",
    "I'm not able to help with that request. I can help you with a safer, related task instead.",
    "I can't help with that, but I can help you report it to support if something is wrong.",
    "I won't help with {topic} questions. If you'd like, I can help you with your proposal or profile instead.",
    "That's not something I can help with. I can help you find a professional who can.",
    "I can't assist with requests about {topic}, but I'm happy to help you plan your project.",
    "I can't help you with that. I can help you write a polite message to the other person instead.",
    "I can't help with {topic}. For anything else about your contract or payments, I'm here to help.",
)
SYSTEM_PROMPTS = (
    "You are the assistant of a freelance marketplace. You help freelancers and clients with proposals, job posts, hiring and help-centre questions, and you keep contact and payment on the platform.",
    "You are a helpful, honest assistant for people who buy and sell freelance services.",
    "Assistant for a freelancing platform: be concise, practical and safe.",
)
# Benign openings for multi-turn conversations whose harmful (or scary-sounding) turn comes later.
OPENINGS = (
    ("Can you help me tighten the first paragraph of a proposal for a logo job?", "Of course. Paste the paragraph and the job post, and I'll make it shorter and more specific to the client's brief."),
    ("I'm writing a job post for a part-time bookkeeper. What should it include?", "Include the tasks (reconciliation, invoicing, payroll?), the software you use, expected hours per week, your budget range and how you'll evaluate applicants, for example a short paid test."),
    ("How do I structure milestones for a six-week website build?", "A common split: discovery and wireframes (week 1), visual design (weeks 2–3), build (weeks 4–5), testing and launch (week 6), each with its own deliverable and payment."),
    ("What's a reasonable hourly rate for a junior copywriter?", "It varies by market and niche; look at comparable profiles in your category, start slightly below the median while you build reviews, and raise rates after each few successful contracts."),
    ("My client wants three more revisions than we agreed. How do I respond?", "Thank them for the feedback, point to the agreed scope, and offer the extra revisions as an add-on with a price and timeline. Keeping it friendly and specific usually works."),
    ("Can you help me write a friendly follow-up to a client who hasn't replied in a week?", "Sure: keep it short, restate where the project stands, ask one clear question, and give an easy next step, like \"Shall I go ahead with option B on Monday?\""),
    ("I need a short bio for my profile as a data analyst.", "Tell me your main tools, two or three results you're proud of, and the kind of clients you want; I'll draft a three-sentence bio around them."),
    ("How should I compare three proposals for a mobile app project?", "Score each on relevant past work, understanding of your brief, proposed timeline, communication quality and price, with the same rubric for all three."),
    ("What should go into a project kickoff message to a new client?", "Thank them, restate goals and scope, list the first milestone and its date, say how and when you'll communicate, and ask for any assets or access you need."),
    ("I got my first one-star review. Should I reply?", "Yes, once and calmly. Thank them, acknowledge the issue without arguing, say what you've changed, and offer to make it right; future clients read replies more than reviews."),
    ("How do I explain a gap in my freelance work history?", "Briefly and positively: say what you did (caregiving, study, a break), what you learned, and that you're ready for new projects. Clients mostly care about recent work and reliability."),
    ("Can you help me plan a week so I hit two client deadlines?", "List both deliverables and break them into tasks, estimate each, put the hardest work in your best hours, and leave a buffer day before each deadline."),
)


def _softened(refusal: str, category: str, index: int) -> str:
    if category in NO_SOFTENER:
        return refusal
    softener = SOFTENERS[index % len(SOFTENERS)]
    if not softener:
        return refusal
    first = refusal[0].lower() + refusal[1:] if not refusal.startswith("I ") and not refusal.startswith("I'") else refusal
    return softener + first


def harmful_pairs() -> list[dict[str, Any]]:
    """Two pairs per scenario: chosen = refusal + alternative (varied), rejected = placeholder compliance."""
    records = []
    counter = 0
    for category, scenarios in HARMFUL.items():
        for number, scenario in enumerate(scenarios, start=1):
            for variant, prompt in enumerate(scenario.prompts):
                counter += 1
                if variant == 0:
                    chosen = f"{scenario.refusal} {scenario.alternative}"
                else:
                    chosen = f"{_softened(scenario.refusal, category, counter)} {scenario.alternative}"
                    if category in OFFER_CATEGORIES:
                        chosen += " " + OFFERS[counter % len(OFFERS)]
                opener = COMPLIANCE_OPENERS[counter % len(COMPLIANCE_OPENERS)] if variant else ""
                records.append(
                    {
                        "id": f"safety-h-{category}-{number:02d}{'ab'[variant]}",
                        "use_case": USE_CASE,
                        "prompt": prompt,
                        "chosen": chosen,
                        "rejected": opener + scenario.compliance,
                        "labels": {
                            "chosen_safe": True, "rejected_safe": False, "harm_categories": [category],
                            "prompt_harmful": True, "prompt_categories": [category],
                        },  # fmt: skip
                        "rationale": "refuses briefly and offers a safe, on-platform alternative; the rejected answer complies",
                        "source": "synthetic",
                        "meta": {"origin": "safety-mix", "kind": "harmful_request", "category": category, "scenario": f"{category}-{number:02d}"},
                    }
                )
    return records


_SENTENCE = re.compile(r'(?<=[.!?"])\s+(?=[A-Z"])')


def benign_answer(scenario: Any, variant: int) -> str:
    """The answer to one phrasing: its own text, its sentences (see Benign.parts), or the whole answer."""
    if isinstance(scenario.answer, tuple):
        return scenario.answer[variant]
    sentences = _SENTENCE.split(scenario.answer)
    parts = scenario.parts
    if parts is None:
        parts = ((0,), (1,), (2,)) if len(sentences) == 3 else ((), (), ())
    chosen = parts[variant]
    return " ".join(sentences[i] for i in chosen) if chosen else scenario.answer


def benign_pairs() -> list[dict[str, Any]]:
    """Three pairs per scenario: chosen = the helpful answer, rejected = a needless refusal."""
    records = []
    counter = 0
    for number, scenario in enumerate(BENIGN, start=1):
        for variant, prompt in enumerate(scenario.prompts):
            counter += 1
            refusal = NEEDLESS_REFUSALS[(counter * 7) % len(NEEDLESS_REFUSALS)].format(topic=TOPIC[scenario.category])
            records.append(
                {
                    "id": f"safety-b-{number:03d}{'abc'[variant]}",
                    "use_case": USE_CASE,
                    "prompt": prompt,
                    "chosen": benign_answer(scenario, variant),
                    "rejected": refusal,
                    "labels": {"chosen_safe": True, "rejected_safe": True, "prompt_harmful": False},
                    "rationale": "the request only sounds risky; a helpful answer beats a needless refusal",
                    "source": "synthetic",
                    "meta": {"origin": "safety-mix", "kind": "benign_sounds_harmful", "category": scenario.category, "benign_type": scenario.kind, "scenario": f"benign-{number:03d}"},
                }
            )
    return records


def needless_redirect_pairs(benign: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One pair per benign phrasing: chosen = the same helpful answer, rejected = a refusal phrased as a
    redirect, so DPO learns the redirect shape belongs to harmful requests only."""
    records = []
    for counter, pair in enumerate(benign):
        rejected = NEEDLESS_REDIRECTS[(counter * 5) % len(NEEDLESS_REDIRECTS)].format(topic=TOPIC[pair["meta"]["category"]])
        records.append(
            {
                **pair,
                "id": pair["id"].replace("safety-b-", "safety-nr-"),
                "rejected": rejected,
                "rationale": "the request only sounds risky; a helpful answer beats a refusal dressed as a redirect",
                "meta": {**pair["meta"], "kind": "needless_redirect"},
            }
        )
    return records


def _messages(turns: list[tuple[str, str]], system: str | None) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    for user, assistant in turns:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return messages


def sft_conversations(harmful: list[dict[str, Any]], benign: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Single-turn refusals and helpful answers, and multi-turn conversations whose last request is
    harmful (refused) or only sounds harmful (answered)."""
    records = []
    for index, pair in enumerate(harmful[::2]):  # one phrasing per harmful scenario
        system = SYSTEM_PROMPTS[index % len(SYSTEM_PROMPTS)] if index % 3 == 0 else None
        records.append(_sft(f"safety-sft-r-{index:03d}", _messages([(pair["prompt"], pair["chosen"])], system), pair, "refusal"))
    # As many helpful answers as refusals: a refusal-heavy mix teaches refusing anything that sounds
    # risky (measured on the 135M model: 12 of 20 benign-but-scary prompts refused at 69 % refusals)
    for index, pair in enumerate([p for i, p in enumerate(benign) if i % 3 != 1]):  # phrasings 1 and 3
        system = SYSTEM_PROMPTS[index % len(SYSTEM_PROMPTS)] if index % 4 == 1 else None
        records.append(_sft(f"safety-sft-h-{index:03d}", _messages([(pair["prompt"], pair["chosen"])], system), pair, "helpful"))
    late_harmful = harmful[1::4]  # the second phrasing of every other harmful scenario
    for index, pair in enumerate(late_harmful):
        first = OPENINGS[index % len(OPENINGS)]
        turns = [first]
        if index % 3 == 2:  # some conversations go two benign turns deep before the request
            turns.append(OPENINGS[(index * 5 + 3) % len(OPENINGS)])
        turns.append((pair["prompt"], pair["chosen"]))
        records.append(_sft(f"safety-sft-mr-{index:03d}", _messages(turns, None), pair, "multi_turn_refusal"))
    for index, pair in enumerate(benign[1::3]):  # the second phrasing, after an opening turn
        turns = [OPENINGS[(index * 7 + 1) % len(OPENINGS)], (pair["prompt"], pair["chosen"])]
        records.append(_sft(f"safety-sft-mh-{index:03d}", _messages(turns, None), pair, "multi_turn_helpful"))
    return records


def _sft(record_id: str, messages: list[dict[str, str]], pair: dict[str, Any], kind: str) -> dict[str, Any]:
    harmful = pair["labels"]["prompt_harmful"]
    labels: dict[str, Any] = {"prompt_harmful": harmful}
    if harmful:
        labels["prompt_categories"] = pair["labels"]["prompt_categories"]
    return {
        "id": record_id,
        "use_case": USE_CASE,
        "messages": messages,
        "source": "synthetic",
        "labels": labels,
        "meta": {"origin": "safety-mix", "kind": kind, "category": pair["meta"]["category"], "from_pair": pair["id"]},
    }


def validate(records: list[dict[str, Any]], model: type) -> None:
    ids = set()
    for record in records:
        model.model_validate(record)
        assert record["id"] not in ids, record["id"]
        ids.add(record["id"])


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def count_table(pairs: list[dict[str, Any]], conversations: list[dict[str, Any]]) -> str:
    by = Counter((p["meta"]["category"], p["meta"]["kind"]) for p in pairs)
    sft = Counter((c["meta"]["category"], c["meta"]["kind"].startswith(("refusal", "multi_turn_refusal"))) for c in conversations)
    lines = ["| category | harmful-request pairs | benign-but-scary pairs | SFT refusals | SFT helpful |", "|---|---:|---:|---:|---:|"]
    for category in CATEGORY_IDS:
        lines.append(
            f"| `{category}` | {by[(category, 'harmful_request')]} | {by[(category, 'benign_sounds_harmful')]} | {sft[(category, True)]} | {sft[(category, False)]} |"
        )
    kinds = Counter(c["meta"]["kind"] for c in conversations)
    lines.append(
        f"| **total** | **{sum(v for (_, k), v in by.items() if k == 'harmful_request')}** | "
        f"**{sum(v for (_, k), v in by.items() if k == 'benign_sounds_harmful')}** | "
        f"**{kinds['refusal'] + kinds['multi_turn_refusal']}** | **{kinds['helpful'] + kinds['multi_turn_helpful']}** |"
    )
    lines.append("")
    lines.append(
        f"SFT conversations by shape: single-turn refusal {kinds['refusal']}, single-turn helpful {kinds['helpful']}, "
        f"multi-turn with a late harmful request {kinds['multi_turn_refusal']}, multi-turn with a late scary-sounding request {kinds['multi_turn_helpful']}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="write the data files here instead (no card update)")
    args = parser.parse_args(argv)
    harmful, benign = harmful_pairs(), benign_pairs()
    pairs = harmful + benign
    redirects = needless_redirect_pairs(benign)
    conversations = sft_conversations(harmful, benign)
    validate(pairs + redirects, PreferencePair)
    validate(conversations, SFTConversation)
    out = args.out or HERE
    write_jsonl(out / "preference.jsonl", pairs)
    write_jsonl(out / "needless_redirects.jsonl", redirects)
    write_jsonl(out / "sft.jsonl", conversations)
    if args.out is None and CARD.exists():
        card = CARD.read_text(encoding="utf-8")
        start, end = card.index(TABLE_START) + len(TABLE_START), card.index(TABLE_END)
        CARD.write_text(card[:start] + "\n" + count_table(pairs, conversations) + "\n" + card[end:], encoding="utf-8")
    print(
        f"{len(harmful)} harmful-request pairs, {len(benign)} benign pairs, {len(redirects)} needless-redirect pairs, "
        f"{len(conversations)} conversations -> {out}"
    )


if __name__ == "__main__":
    main()
