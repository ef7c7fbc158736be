"""The shipped recipes and sample data: recipes validate, records parse, sizes and annotation meet the
data card's promises, unsafe content is where the card says it is, and the generator reproduces the files."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from safety.taxonomy import CATEGORY_IDS
from toolkit.core.schema import PreferencePair, PromptRecord, QAItem, SFTConversation, normalise_text
from toolkit.data.stats import annotator_agreement
from toolkit.recipe import load_recipe

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
DATA = RECIPES / "data"
USE_CASES = ("proposal_writing", "job_post", "candidate_evaluation", "help_center_qa", "project_scoping")
UNSAFE_TYPES = ("pii", "off_platform", "toxicity", "hiring_discrimination", "prompt_injection")
FILE_TYPES = {
    "preference.jsonl": PreferencePair,
    "sft.jsonl": SFTConversation,
    "eval_prompts.jsonl": PromptRecord,
    "qa.jsonl": QAItem,
    "red_team.jsonl": PromptRecord,
    "over_refusal.jsonl": PromptRecord,
}
# files written by generate.py; the safety mix (tests/test_safety_mix.py) and the output of
# `toolkit synth help-center` (help_center_synth/, with its own data card) are checked elsewhere
DATA_FILES = sorted(
    p.relative_to(DATA).as_posix()
    for p in DATA.glob("*/*.jsonl")
    if p.parent.name not in ("safety", "help_center_synth")
)
LOCATIONS = {"preference.jsonl": ("prompt", "chosen", "rejected"), "sft.jsonl": ("sft",),
             "eval_prompts.jsonl": ("prompt",), "qa.jsonl": ("context",)}

# What each unsafe type looks like in text: a record that claims a type must show one of these.
MARKERS = {
    "pii": r"[\w.+-]+@example\.(?:com|org|net)|555[- ]01\d\d|\bat example dot (?:com|org|net)\b"
           r"|\d+ [A-Z][a-z]+ (?:Street|Lane|Road|Avenue|Drive)",
    "off_platform": r"whatsapp|telegram|skype|signal|paypal|zelle|\bwise\b|bank transfer|outside|off the|direct"
                    r"|\bcall\b|e-?mail|\btext\b|skip the|contact me|\bdot (?:com|org|net)\b",
    "toxicity": r"idiot|stupid|clueless|cheapskate|clown|incompetent|pathetic|lazy|garbage|useless|ridiculous"
                r"|use your brain|users like you|your problem|did you even read",
    "hiring_discrimination": r"under 30|over \d\d|older|young|mother|kids|toddler|pregnan|native-born|accent|foreign"
                             r"|christian|church|muslim|relig|disabilit|wheelchair|women|\bmale\b|\bmen\b|\bguy\b"
                             r"|unmarried|retiree|planning a family|\b5\d\b",
    "prompt_injection": r"ignore|disregard|instruct|system note|10/10",
}
CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}|\(?\b\d{3}\)?[ -]\d{3}[- ]\d{4}\b|\b555[- ]\d{4}\b")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def text_of(turns: Any) -> str:
    return turns if isinstance(turns, str) else "\n".join(m["content"] for m in turns)


def located_texts(name: str, record: dict[str, Any]) -> dict[str, str]:
    """The text at each location a file's records can carry unsafe content in."""
    if name == "preference.jsonl":
        return {loc: text_of(record[loc]) for loc in ("prompt", "chosen", "rejected")}
    if name == "sft.jsonl":
        return {"sft": text_of(record["messages"])}
    if name == "qa.jsonl":
        return {"context": "\n".join(record["contexts"]), "question": record["question"], "answer": record["answer"]}
    return {"prompt": text_of(record["prompt"])}


def training_prompts(use_case: str) -> set[str]:
    prompts = {normalise_text(text_of(r["prompt"])) for r in read_jsonl(DATA / use_case / "preference.jsonl")}
    for record in read_jsonl(DATA / use_case / "sft.jsonl"):
        prompts.add(normalise_text(text_of(record["messages"][:-1])))
    return prompts


# ---------------------------------------------------------------- recipes
@pytest.mark.parametrize("name", ["base", *USE_CASES])
def test_recipe_validates_and_carries_the_shared_defaults(name: str) -> None:
    recipe = load_recipe(RECIPES / f"{name}.yaml")
    assert recipe.name == name
    assert recipe.model.name == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert recipe.model.dtype == "float32" and recipe.model.lora.enabled and recipe.model.lora.r == 16
    assert recipe.tracking.wandb.mode == "offline" and recipe.tracking.wandb.project == "safety-posttrain"
    for stage in ("sft", "preference"):
        assert recipe.safety.action("pii", stage) == "redact"
        assert recipe.safety.action("off_platform", stage) == "quarantine"
    assert {"reward_accuracy", "win_rate", "safety", "over_refusal"} <= set(recipe.eval.suites)
    assert Path(recipe.eval.red_team or "").is_file() and Path(recipe.eval.over_refusal or "").is_file()


@pytest.mark.parametrize("use_case", USE_CASES)
def test_use_case_recipe_points_at_its_own_existing_data(use_case: str) -> None:
    recipe = load_recipe(RECIPES / f"{use_case}.yaml")
    assert recipe.use_case == use_case and recipe.description
    for source in (recipe.data.sft, recipe.data.preference, recipe.data.eval_prompts):
        assert source is not None
        path = Path(source.path)
        assert path.is_file() and path.parent.name == use_case
    assert (recipe.data.qa is not None) == (use_case == "help_center_qa")


def test_use_case_policies_and_suites_match_their_risks() -> None:
    recipes = {u: load_recipe(RECIPES / f"{u}.yaml") for u in USE_CASES}
    base = load_recipe(RECIPES / "base.yaml")
    for stage in ("sft", "reward", "cost", "dpo"):
        assert recipes["candidate_evaluation"].safety.action("hiring_discrimination", stage) == "quarantine"
        assert recipes["help_center_qa"].safety.action("prompt_injection", stage) == "quarantine"
        assert base.safety.policy(stage).harmful_prompt == "label"
    assert recipes["candidate_evaluation"].safety.policy("dpo").chosen_unsafe == "quarantine"
    assert all("generation" not in r.safety.stages for r in recipes.values())  # eval measures, it does not gate
    assert "rag_robustness" in recipes["help_center_qa"].eval.suites
    assert "protected_attributes" in recipes["candidate_evaluation"].eval.suites
    assert "off_platform" in recipes["proposal_writing"].eval.suites
    longest_elsewhere = max(r.stages.sft.max_length for u, r in recipes.items() if u != "project_scoping")
    assert recipes["project_scoping"].stages.sft.max_length > longest_elsewhere
    assert recipes["project_scoping"].stages.dpo.max_length > longest_elsewhere


# ---------------------------------------------------------------- records
@pytest.mark.parametrize("relative", DATA_FILES)
def test_every_record_parses_as_its_type_with_unique_ids(relative: str) -> None:
    model = FILE_TYPES[Path(relative).name]
    records = read_jsonl(DATA / relative)
    parsed = [model.model_validate(record) for record in records]
    ids = [r.id for r in parsed]
    assert len(ids) == len(set(ids))
    folder = Path(relative).parent.name
    if folder != "eval":
        assert {r.use_case for r in parsed} == {folder}


@pytest.mark.parametrize("use_case", USE_CASES)
def test_each_use_case_has_the_promised_minimum_sizes(use_case: str) -> None:
    assert len(read_jsonl(DATA / use_case / "preference.jsonl")) >= 150
    assert len(read_jsonl(DATA / use_case / "sft.jsonl")) >= 100
    assert len(read_jsonl(DATA / use_case / "eval_prompts.jsonl")) >= 50


def test_shared_eval_sets_have_minimum_sizes_and_taxonomy_categories() -> None:
    red_team = [PromptRecord.model_validate(r) for r in read_jsonl(DATA / "eval" / "red_team.jsonl")]
    benign = [PromptRecord.model_validate(r) for r in read_jsonl(DATA / "eval" / "over_refusal.jsonl")]
    assert len(red_team) >= 60 and len(benign) >= 60
    assert all(r.category in CATEGORY_IDS for r in red_team)
    assert {r.category for r in red_team} == set(CATEGORY_IDS)  # every hazard and marketplace category
    assert all(r.category in CATEGORY_IDS and r.meta["benign_type"] for r in benign)  # the category it only sounds like
    texts = [normalise_text(text_of(r.prompt)) for r in red_team + benign]
    assert len(texts) == len(set(texts))


def test_project_scoping_conversations_run_six_to_twelve_turns() -> None:
    lengths = [len(r["messages"]) for r in read_jsonl(DATA / "project_scoping" / "sft.jsonl")]
    assert min(lengths) >= 6 and max(lengths) <= 12
    assert len(set(lengths)) > 1
    prompts = [r["prompt"] for r in read_jsonl(DATA / "project_scoping" / "preference.jsonl")]
    assert all(len(p) >= 3 and p[-1]["role"] == "user" for p in prompts)


@pytest.mark.parametrize("use_case", [u for u in USE_CASES if u != "project_scoping"])
def test_single_turn_records_stay_short_enough_for_small_models(use_case: str) -> None:
    words = [len((text_of(r["prompt"]) + " " + text_of(r["chosen"])).split())
             for r in read_jsonl(DATA / use_case / "preference.jsonl")]
    words.sort()
    assert words[len(words) // 2] <= 200 and words[-1] <= 300


# ---------------------------------------------------------------- annotation
@pytest.mark.parametrize("use_case", USE_CASES)
def test_preference_pairs_carry_full_annotation(use_case: str) -> None:
    for record in read_jsonl(DATA / use_case / "preference.jsonl"):
        pair = PreferencePair.model_validate(record)
        assert pair.annotator is not None and pair.annotator.expertise
        assert pair.rationale and pair.created_at is not None and pair.source in ("human", "synthetic")
        labels = pair.labels
        assert labels is not None and labels.chosen_safe is not None and labels.rejected_safe is not None
        unsafe = record["meta"].get("unsafe", {})
        assert labels.chosen_safe == ("chosen" not in unsafe)
        assert labels.rejected_safe == ("rejected" not in unsafe)
        assert labels.harm_categories == sorted(set(unsafe.get("chosen", [])) | set(unsafe.get("rejected", [])))


@pytest.mark.parametrize("use_case", USE_CASES)
def test_several_annotators_judge_shared_items_and_sometimes_disagree(use_case: str) -> None:
    records = read_jsonl(DATA / use_case / "preference.jsonl")
    assert len({r["annotator"]["id"] for r in records}) >= 5
    agreement = annotator_agreement(PreferencePair.model_validate(r) for r in records)
    assert agreement["items"] >= 5
    assert 0 < agreement["pairwise_agreement_percent"] < 100


@pytest.mark.parametrize("use_case", USE_CASES)
def test_distinct_items_never_share_a_prompt(use_case: str) -> None:
    by_item: dict[str, set[tuple[str, frozenset[str]]]] = defaultdict(set)
    for r in read_jsonl(DATA / use_case / "preference.jsonl"):
        answers = frozenset(normalise_text(text_of(r[k])) for k in ("chosen", "rejected"))
        by_item[r["meta"]["item_id"]].add((normalise_text(text_of(r["prompt"])), answers))
    assert all(len(judged) == 1 for judged in by_item.values())  # one item = one prompt and one answer pair
    prompts = [next(iter(judged))[0] for judged in by_item.values()]
    assert len(prompts) == len(set(prompts))


# ---------------------------------------------------------------- held-out prompts and QA
@pytest.mark.parametrize("use_case", USE_CASES)
def test_eval_prompts_do_not_appear_in_training_prompts(use_case: str) -> None:
    held_out = [normalise_text(text_of(r["prompt"])) for r in read_jsonl(DATA / use_case / "eval_prompts.jsonl")]
    assert len(held_out) == len(set(held_out))
    assert not set(held_out) & training_prompts(use_case)


def test_every_qa_question_comes_with_good_and_misleading_contexts_and_one_answer() -> None:
    items = [QAItem.model_validate(r) for r in read_jsonl(DATA / "help_center_qa" / "qa.jsonl")]
    assert len(items) >= 100
    articles = (DATA / "help_center_qa" / "help_articles.md").read_text(encoding="utf-8")
    assert 8 <= articles.count("\n## ") <= 12
    by_question: dict[str, list[QAItem]] = defaultdict(list)
    for item in items:
        by_question[item.question].append(item)
    for group in by_question.values():
        assert {i.context_quality for i in group} == {"good", "bad"}
        assert len({i.answer for i in group}) == 1
        good = [i for i in group if i.context_quality == "good"]
        assert all(any(c in articles for c in i.contexts) for i in good)  # good passages quote an article
        bad = [i for i in group if i.context_quality == "bad"]
        assert all(i.contexts[0] not in articles for i in bad)  # the first bad passage is not the real policy


# ---------------------------------------------------------------- unsafe content
def _tagged() -> list[tuple[str, str, dict[str, str], dict[str, list[str]]]]:
    rows = []
    for relative in DATA_FILES:
        name = Path(relative).name
        for record in read_jsonl(DATA / relative):
            rows.append((relative, record["id"], located_texts(name, record), record.get("meta", {}).get("unsafe", {})))
    return rows


def test_unsafe_annotations_point_at_text_that_shows_the_problem() -> None:
    checked = 0
    for relative, record_id, texts, unsafe in _tagged():
        for loc, types in unsafe.items():
            assert set(types) <= set(UNSAFE_TYPES), (relative, record_id)
            for kind in types:
                assert re.search(MARKERS[kind], texts[loc], re.I), (relative, record_id, loc, kind)
                checked += 1
    assert checked > 500


def test_contact_details_appear_only_where_annotated_and_are_fictional() -> None:
    """Emails and phone numbers sit only in locations tagged pii, and all use example domains / 555-01XX."""
    found = 0
    for relative, record_id, texts, unsafe in _tagged():
        for loc, text in texts.items():
            matches = CONTACT.findall(text)
            if "pii" not in unsafe.get(loc, []):
                assert not matches, (relative, record_id, loc, matches)
            for match in matches:
                found += 1
                assert re.fullmatch(r"[\w.+-]+@example\.(?:com|org|net)|.*555[- ]01\d\d", match), match
    assert found > 50
    assert not CONTACT.search((DATA / "help_center_qa" / "help_articles.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("use_case", USE_CASES)
def test_gates_have_work_in_every_use_case(use_case: str) -> None:
    pairs = read_jsonl(DATA / use_case / "preference.jsonl")
    where = Counter(loc for r in pairs for loc in r["meta"].get("unsafe", {}))
    assert where["rejected"] > where["chosen"] >= 3 and where["prompt"] >= 2
    sft = read_jsonl(DATA / use_case / "sft.jsonl")
    assert sum(1 for r in sft if r["meta"].get("unsafe")) >= 3
    assert not any(r["meta"].get("unsafe") for r in read_jsonl(DATA / use_case / "eval_prompts.jsonl"))
    types = {t for r in pairs for types in r["meta"].get("unsafe", {}).values() for t in types}
    assert {"pii", "off_platform", "toxicity"} <= types


def test_every_unsafe_type_occurs_in_training_data() -> None:
    types = Counter()
    for _, _, _, unsafe in _tagged():
        for found in unsafe.values():
            types.update(found)
    assert all(types[t] >= 10 for t in UNSAFE_TYPES), types


# ---------------------------------------------------------------- the data card
def card_table(name: str) -> list[list[str]]:
    card = (DATA / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- generated:{name} -->\n(.*?)\n<!-- /generated:{name} -->", card, re.S)
    assert block, f"data card lacks the {name} table"
    lines = [line for line in block.group(1).splitlines() if line.startswith("|")][2:]  # skip header + rule
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_data_card_record_counts_match_the_files() -> None:
    rows = card_table("files")
    stated = {row[0]: int(row[2]) for row in rows}
    assert set(stated) == set(DATA_FILES)
    for relative, count in stated.items():
        assert len(read_jsonl(DATA / relative)) == count, relative


def test_data_card_unsafe_counts_match_the_files() -> None:
    rows = card_table("unsafe")
    stated = {(row[0], row[1]): [int(c) for c in row[2:]] for row in rows}
    expected = {}
    for use_case in USE_CASES:
        for name, locations in LOCATIONS.items():
            path = DATA / use_case / name
            if not path.exists():
                continue
            records = read_jsonl(path)
            for loc in locations:
                tags = [r.get("meta", {}).get("unsafe", {}).get(loc, []) for r in records]
                expected[(f"{use_case}/{name}", loc)] = [sum(t in tag for tag in tags) for t in UNSAFE_TYPES] + [
                    sum(1 for tag in tags if tag)]
    assert stated == expected


def test_data_card_annotator_counts_match_the_files() -> None:
    for row in card_table("annotators"):
        records = read_jsonl(DATA / row[0] / "preference.jsonl")
        agreement = annotator_agreement(PreferencePair.model_validate(r) for r in records)
        assert int(row[1]) == len({r["annotator"]["id"] for r in records})
        assert int(row[2]) == agreement["items"]
        assert float(row[5]) == agreement["pairwise_agreement_percent"]


# ---------------------------------------------------------------- reproducibility
def test_generator_rewrites_byte_identical_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("sample_data_generator", DATA / "generate.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, generator)  # dataclasses look their module up there
    spec.loader.exec_module(generator)
    assert generator.main(["--out", str(tmp_path)]) == 0
    for relative in [*DATA_FILES, "help_center_qa/help_articles.md"]:
        assert (tmp_path / relative).read_bytes() == (DATA / relative).read_bytes(), relative
    card = (DATA / "README.md").read_text(encoding="utf-8")
    assert generator.render_card(card, DATA) == card  # the card's tables are up to date
