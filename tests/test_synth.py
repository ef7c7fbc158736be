"""`toolkit synth help-center`: provenance, perturbation, injection, held-out split, bad input."""

from __future__ import annotations

import html
import json
import random
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from safety.config import ClassifierSelection, SafetyConfig
from toolkit.cli import app
from toolkit.synth.build import SynthSettings, synthesize
from toolkit.synth.perturb import NUMBER, number_value, numbers_in, plan_perturbation
from toolkit.synth.questions import Question, dedupe

RULES_ONLY = SafetyConfig(classifiers=ClassifierSelection(rules=True, toxicity=False, semantic=False))
runner = CliRunner()

FEES_MD = """# Fees for sellers

## Listing fee

Listing an item costs $3 per listing. Listings stay live for 30 days; after 30 days they expire.

## Sale commission

Sellers pay a 12% commission on every sale, with a minimum of $1 per sale. Commission is never charged on cancelled orders.

## Refund window

If a buyer opens a refund request, the seller has 5 days to answer it. To appeal a refund decision, open the order page and choose Appeal.
"""

SHIPPING_HTML = """<!doctype html><html><head><title>ignored</title><style>p {}</style></head><body>
<h1>Shipping &amp; delivery</h1>
<h2>Delivery times</h2>
<p>Standard parcels arrive within <b>4 business days</b>. Express parcels arrive within 2 business days &amp; cost $9 extra.</p>
<h2>Lost parcels</h2>
<p>If a parcel is not delivered within 20 days, the buyer gets a full refund automatically.</p>
</body></html>
"""

ACCOUNT_TXT = """Account basics

Passwords

Passwords must have at least 12 characters. You can change it at most 3 times per day.

Closing an account

If you close your account, your listings are removed within 48 hours.
"""


def _articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fees.md").write_text(FEES_MD, encoding="utf-8")
    (folder / "shipping.html").write_text(SHIPPING_HTML, encoding="utf-8")
    (folder / "account.txt").write_text(ACCOUNT_TXT, encoding="utf-8")
    return folder


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("synth")
    articles = _articles(root / "articles")
    out = root / "out"
    report = synthesize([articles], out, SynthSettings(eval_fraction=0.3, seed=7), RULES_ONLY)
    return articles, out, report


def _all_items(out: Path) -> list[dict]:
    return _read(out / "qa_train.jsonl") + _read(out / "qa_eval.jsonl")


def _strip_html(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def test_every_record_points_at_the_text_it_came_from(generated: tuple[Path, Path, dict]) -> None:
    _, out, report = generated
    items = _all_items(out)
    assert {i["meta"]["provenance"]["file"].rsplit(".", 1)[1] for i in items} == {"md", "html", "txt"}
    for item in items:
        provenance = item["meta"]["provenance"]
        source = Path(provenance["file"]).read_text(encoding="utf-8")
        section_text = source[provenance["start"] : provenance["end"]]
        assert provenance["facts"]
        for fact in provenance["facts"]:
            fact_text = source[fact["start"] : fact["end"]]
            if provenance["file"].endswith(".html"):
                fact_text = _strip_html(fact_text)
            assert fact_text and fact_text[-1] in ".!?", fact_text
            assert fact_text in (_strip_html(section_text) if provenance["file"].endswith(".html") else section_text)
            if item["meta"]["context_kind"] != "none" and item["meta"]["template"].startswith("quantity"):
                # the grounded answer states the fact (the clause that holds the asked-for number)
                assert any(part.strip(" .").lower() in item["answer"].lower() for part in fact_text.split("; "))
    assert report["items"]["planned"] == report["items"]["kept"] + report["items"]["quarantined"]


def test_markdown_provenance_is_exact(tmp_path: Path) -> None:
    from toolkit.synth.articles import read_article
    from toolkit.synth.facts import extract_facts

    path = _articles(tmp_path) / "fees.md"
    article = read_article(path)
    text = path.read_text(encoding="utf-8")
    facts = [f for s in article.sections for f in extract_facts(s)]
    assert [text[f.start : f.end] for f in facts] == [f.text for f in facts]
    assert "Sellers pay a 12% commission on every sale, with a minimum of $1 per sale." in [f.text for f in facts]
    assert [s.heading for s in article.sections] == [
        "Fees for sellers > Listing fee", "Fees for sellers > Sale commission", "Fees for sellers > Refund window"
    ]


def test_outdated_numbers_differ_and_are_consistent_within_a_passage(generated: tuple[Path, Path, dict]) -> None:
    _, out, _ = generated
    outdated = [i for i in _all_items(out) if i["meta"]["context_kind"] == "outdated"]
    right = {i["id"].rsplit("-", 1)[0]: i for i in _all_items(out) if i["meta"]["context_kind"] == "right"}
    assert outdated
    for item in outdated:
        original = right[item["id"].rsplit("-", 1)[0]]["contexts"][0]
        changed = item["contexts"][0]
        before, after = numbers_in(original), numbers_in(changed)
        assert len(before) == len(after) and before
        mapping: dict[float, float] = {}
        for old, new in zip(before, after, strict=True):
            assert new != old
            assert mapping.setdefault(old, new) == new  # the same value changes the same way everywhere
        assert not set(after) & set(before)
        # the rejected answer follows the outdated passage; the chosen one keeps the article's numbers
        assert set(numbers_in(item["answer"])) <= set(before)


def test_plan_perturbation_maps_repeats_consistently_and_avoids_originals() -> None:
    passage = "Fees are 10% with a minimum of $2. After 10 days, or 5 days for express, you pay 10% again; ten codes."
    for seed in range(20):
        plan = plan_perturbation(passage, random.Random(seed))
        changed = plan.apply(passage)
        pairs = list(zip((number_value(m) for m in NUMBER.finditer(passage)), (number_value(m) for m in NUMBER.finditer(changed)), strict=True))
        assert all(old != new for old, new in pairs)
        assert len({old: new for old, new in pairs}) == len({old for old, _ in pairs})
        assert not {new for _, new in pairs} & {old for old, _ in pairs}


def test_injected_passages_are_flagged_by_the_gate(generated: tuple[Path, Path, dict]) -> None:
    _, out, report = generated
    injected = [i for i in _all_items(out) if i["meta"]["context_kind"] == "injected"]
    assert injected and report["gate"]["injected_passages"] == {"total": len(injected), "flagged": len(injected), "missed": 0}
    assert all("prompt_injection" in i["meta"]["context_flags"] for i in injected)
    right = [i for i in _all_items(out) if i["meta"]["context_kind"] == "right"]
    assert not any(i["meta"]["context_flags"] for i in right)
    pairs = [p for p in _read(out / "preference.jsonl") if p["meta"]["context_kind"] == "injected"]
    # an injection that moves payment off-platform makes the rejected answer unsafe: DPO's safety margin
    assert any(p.get("rejected_unsafe") for p in pairs)


def test_no_eval_section_reaches_training(generated: tuple[Path, Path, dict]) -> None:
    _, out, report = generated
    train_sections, eval_sections = set(report["sections"]["train"]), set(report["sections"]["eval"])
    assert train_sections and eval_sections and not train_sections & eval_sections
    eval_items = _read(out / "qa_eval.jsonl")
    eval_passages = {i["contexts"][0] for i in eval_items if i["meta"]["context_kind"] == "right"}
    assert {i["meta"]["section"] for i in eval_items} <= eval_sections
    for name in ("sft.jsonl", "preference.jsonl", "qa_train.jsonl"):
        records = _read(out / name)
        assert records
        for record in records:
            assert record["meta"]["section"] in train_sections
            if "distractor" in record["meta"]:
                assert record["meta"]["distractor"]["section"] in train_sections
            text = json.dumps(record)
            assert not any(json.dumps(passage)[1:-1] in text for passage in eval_passages)


def test_every_context_kind_is_built_with_grounded_answers(generated: tuple[Path, Path, dict]) -> None:
    _, out, report = generated
    items = _all_items(out)
    assert {i["meta"]["context_kind"] for i in items} == {"right", "distractor", "outdated", "injected", "none"}
    for item in items:
        if item["meta"]["context_kind"] == "none":
            assert item["contexts"] == [] and "help centre" in item["answer"]
        right_numbers = set(numbers_in(Path(item["meta"]["provenance"]["file"]).read_text(encoding="utf-8")))
        assert set(numbers_in(item["answer"])) <= right_numbers  # nothing invented
    pairs = _read(out / "preference.jsonl")
    assert all(p["chosen"] != p["rejected"] for p in pairs)
    counts = report["by_context_kind"]
    assert sum(c["kept"] for c in counts.values()) == len(items)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "Held out by section" in card and "| injected |" in card


def test_bad_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    folder = _articles(tmp_path / "a")
    (folder / "empty.md").write_text("  \n", encoding="utf-8")
    (folder / "binary.md").write_bytes(b"# Title\n\x00\x01\x02 binary")
    (folder / "latin1.md").write_bytes("# Frais\n\nLes frais sont de 10 % pour l'\u00e9t\u00e9.".encode("latin-1"))
    (folder / "noheading.md").write_text("Fees are 10% on every sale. Refunds take 5 days.\n", encoding="utf-8")
    (folder / "huge.md").write_text("# Huge\n\n" + "Fees are 10% on every sale. " * 2000, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    report = synthesize([folder], tmp_path / "out", SynthSettings(max_article_bytes=20_000), RULES_ONLY)
    reasons = {Path(s["file"]).name: s["reason"] for s in report["inputs"]["skipped_files"]}
    assert reasons["empty.md"] == "empty file"
    assert "binary" in reasons["binary.md"]
    assert reasons["latin1.md"].startswith("not UTF-8: byte 0xe9")
    assert reasons["noheading.md"].startswith("no headings")
    assert "limit" in reasons["huge.md"]
    assert "unsupported file type '.pdf'" in reasons["notes.pdf"]
    assert report["inputs"]["articles"] == 3 and report["inputs"]["files"] == 9


def test_cli_one_line_error_when_no_article_is_usable(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    result = runner.invoke(app, ["synth", "help-center", str(tmp_path / "empty.md"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: ") and "empty file" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    missing = runner.invoke(app, ["synth", "help-center", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.stderr
    bad = runner.invoke(app, ["synth", "help-center", str(tmp_path), "--out", str(tmp_path / "o"), "--generator", "gpt"])
    assert bad.exit_code == 2 and "--generator" in bad.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("earlier output", encoding="utf-8")
    full = runner.invoke(app, ["synth", "help-center", str(tmp_path / "empty.md"), "--out", str(tmp_path / "full")])
    assert full.exit_code == 2 and "--overwrite" in full.stderr


def test_cli_writes_data_and_report(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump({"name": "t", "safety": {"classifiers": {"semantic": False, "toxicity": False}}}), encoding="utf-8")
    result = runner.invoke(app, ["synth", "help-center", str(_articles(tmp_path / "a")), "--out", str(tmp_path / "o"), "--recipe", str(recipe)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["outputs"]["sft.jsonl"] == len(_read(tmp_path / "o" / "sft.jsonl")) > 0
    from toolkit.core.io import read_records

    for name, kind in (("sft.jsonl", "sft"), ("preference.jsonl", "preference"), ("qa_eval.jsonl", "qa"), ("eval_prompts.jsonl", "prompt")):
        assert not read_records(tmp_path / "o" / name, kind).failures


def test_paraphrases_are_checked_and_deduplicated(tmp_path: Path) -> None:
    def paraphrase(questions: list[str]) -> list[str]:
        out = []
        for n, question in enumerate(questions):
            if n % 4 == 0:
                out.append(question)  # a copy: near duplicate
            elif n % 4 == 1:
                out.append("Could you tell me " + question[0].lower() + question[1:] + " 99")  # number added, no '?'
            else:
                out.append(f"Question: Hello there, quick help needed please, regarding my seller account today: {question}")
        return out

    report = synthesize([_articles(tmp_path / "a")], tmp_path / "o", SynthSettings(generator="model"), RULES_ONLY, paraphrase=paraphrase)
    stats = report["questions"]["paraphrases"]
    assert stats["asked"] == report["questions"]["template"]
    assert stats["kept"] == report["questions"]["model"] > 0
    assert stats["rejected"]["near duplicate"] >= 1 and stats["rejected"]["not a question"] >= 1
    assert stats["asked"] == stats["kept"] + sum(stats["rejected"].values())
    model_items = [i for i in _all_items(tmp_path / "o") if i["meta"]["question_source"] == "model"]
    assert model_items and all(not i["question"].startswith("Question:") and i["meta"]["template_question"] for i in model_items)


def test_dedupe_drops_near_duplicates() -> None:
    q = [Question(t, "t", "s", (), "a") for t in ("How long is the refund window?", "how long is the refund window ?", "What is the fee?")]
    kept, dropped = dedupe(q)
    assert [k.text for k in kept] == ["How long is the refund window?", "What is the fee?"] and dropped == 1


def test_model_generator_runs_a_local_causal_lm(tmp_path: Path, tiny_model_dir: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump({"name": "t", "safety": {"classifiers": {"semantic": False, "toxicity": False}}}), encoding="utf-8")
    article = tmp_path / "small.md"
    article.write_text("# Seller help\n\n## Refunds\n\nRefunds take 5 days.\n\n## Withdrawals\n\nWithdrawals take 3 days.\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["synth", "help-center", str(article), "--out", str(tmp_path / "o"),
         "--generator", "model", "--model", str(tiny_model_dir), "--eval-fraction", "0.4", "--recipe", str(recipe)],
    )
    assert result.exit_code == 0, result.output
    stats = json.loads((tmp_path / "o" / "report.json").read_text())["questions"]["paraphrases"]
    assert stats["asked"] > 0 and stats["asked"] == stats["kept"] + sum(stats["rejected"].values())


def test_paraphrase_checks_catch_what_smollm2_135m_actually_wrote() -> None:
    """Outputs of the embedded model on the bundled articles that the first checks let through."""
    from toolkit.synth.questions import check_paraphrase, clean_generation

    original = "How many days after a payment is released can you withdraw the money?"
    wrapped = 'A customer might ask, "How many days after a payment is released, can you withdraw money?'
    assert clean_generation(wrapped) == "How many days after a payment is released, can you withdraw money?"
    assert check_paraphrase(clean_generation(wrapped), original) in (None, "near duplicate")
    assert check_paraphrase("Once my payment is released, after how many days may I withdraw it?", original) is None
    fee = "Freelancers pay what percentage service fee on everything they earn through a contract?"
    assert check_paraphrase(clean_generation('A customer asks, "What\'s the answer to this question?'), fee) == "meaning changed"
    minimum = "Freelancers pay what percentage service fee, with a minimum of $2 per payment?"
    assert check_paraphrase("What percentage of a payment is a minimum of $2?", minimum) == "meaning changed"
    assert clean_generation("Question: How long do refunds take?") == "How long do refunds take?"
