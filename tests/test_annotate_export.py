"""From judgements to the next training round: gated canonical records, study win rates in
`toolkit compare`, agreement in `toolkit data stats`, Label Studio JSON both ways, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.annotate_fixtures import RULES_ONLY, Annotating, make_store, task_of, write_tasks
from toolkit.annotate.export import export_annotations, read_json_lines
from toolkit.annotate.labelstudio import export_labelstudio, import_labelstudio
from toolkit.annotate.store import Store
from toolkit.annotate.study import summarise
from toolkit.annotate.tasks import study_tasks_from_run
from toolkit.cli import app
from toolkit.core.io import read_records
from toolkit.data.stats import file_stats
from toolkit.eval.stats import wilson_interval

runner = CliRunner()


def judge(store: Store, annotator: str, task_id: str, choice: str | None = None, answer: str | None = None,
          rationale: str | None = "because", harms: dict[str, list[str]] | None = None) -> None:
    task = task_of(store, task_id)
    store.import_judgement(annotator, task, choice, harms or {}, rationale, answer)


def make_run(root: Path, samples: list[dict[str, object]]) -> Path:
    run = root / "runs" / "demo" / "20260101-000000"
    (run / "eval").mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps({"recipe": "demo", "run_id": run.name, "stages": {}}), encoding="utf-8")
    (run / "eval" / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples), encoding="utf-8")
    return run


@pytest.fixture
def judged(tmp_path: Path) -> Store:
    store = make_store(tmp_path)
    store.add_annotator("fl-1", "ecommerce")
    store.add_annotator("fl-2", "design")
    judge(store, "fl-1", "rank-1", "first", rationale="specific and on-platform", harms={"second": ["toxicity"]})
    judge(store, "fl-2", "rank-1", "first", rationale="mail me at dana@example.com to discuss")  # PII: redacted
    judge(store, "fl-1", "rank-2", "tie", rationale="both fine")  # no pair
    judge(store, "fl-2", "rank-2", "second", rationale="pay me outside the platform via paypal, 10% cheaper")
    judge(store, "fl-1", "write-1", answer="Go to Payments > Withdraw; funds arrive in 2-5 days.", rationale=None)
    judge(store, "fl-2", "write-1", answer="Text me on whatsapp +1 415 555 0100 and I'll walk you through it off the site.")
    return store


def test_export_writes_gated_canonical_records_that_data_validate_accepts(judged: Store, tmp_path: Path) -> None:
    out = tmp_path / "out" / "pairs.jsonl"
    out.parent.mkdir()
    report = export_annotations(judged, out, config=RULES_ONLY)
    # every judgement ends in one place: exported, quarantined, or not a pair
    assert report.judgements == 6
    assert report.exported_judgements + report.quarantined_judgements + report.not_a_pair + report.study_judgements == 6
    assert (report.exported_judgements, report.quarantined_judgements, report.not_a_pair) == (3, 2, 1)
    pairs = read_json_lines(out)
    assert {p["id"] for p in pairs} == {"rank-1:fl-1:pair", "rank-1:fl-2:pair", "write-1:fl-1:pair"}
    first = next(p for p in pairs if p["id"] == "rank-1:fl-1:pair")
    assert first["annotator"] == {"id": "fl-1", "expertise": "ecommerce"}
    assert first["rationale"] == "specific and on-platform" and first["created_at"].endswith("Z")
    assert first["labels"]["rejected_safe"] is False and first["labels"]["harm_categories"] == ["toxicity"]
    assert "chosen_safe" not in first["labels"]  # no tick: the classifiers decide
    assert first["chosen"].startswith("Hi Dana") and first["source"] == "human"
    redacted = next(p for p in pairs if p["id"] == "rank-1:fl-2:pair")
    assert "dana@example.com" not in redacted["rationale"] and "[EMAIL]" in redacted["rationale"]
    written = next(p for p in pairs if p["id"] == "write-1:fl-1:pair")
    assert written["rejected"] == "idk, ask support" and written["chosen"].startswith("Go to Payments")
    [conversation] = read_json_lines(out.with_name("pairs.sft.jsonl"))
    assert conversation["messages"][-1] == {"role": "assistant", "content": "Go to Payments > Withdraw; funds arrive in 2-5 days."}
    quarantined = read_json_lines(out.with_name("pairs.quarantine.jsonl"))
    assert {q["record"]["id"].split(":")[0] for q in quarantined} == {"rank-2", "write-1"}
    assert all(q["reasons"] for q in quarantined)
    assert any(r["field"] == "rationale" for q in quarantined for r in q["reasons"])
    assert [q["annotator"] for q in judged.quarantine()] == ["fl-2", "fl-2"]  # shown on the admin page
    for path, kind in ((out, "preference"), (out.with_name("pairs.sft.jsonl"), "sft")):
        validated = runner.invoke(app, ["data", "validate", str(path), "--kind", kind])
        assert validated.exit_code == 0, validated.output
        assert not read_records(path, kind).failures


def test_quarantined_text_is_listed_on_the_admin_page(judged: Store, tmp_path: Path) -> None:
    export_annotations(judged, tmp_path / "pairs.jsonl", config=RULES_ONLY)
    admin = Annotating(judged, judged.add_annotator("lead", None, is_admin=True))
    page = admin.client.get("/admin").text
    assert "Quarantine (2)" in page and "off_platform" in page and "rank-2" in page


def test_data_stats_reports_agreement_on_exported_pairs(tmp_path: Path) -> None:
    tasks = [{"id": f"r{i}", "kind": "rank", "prompt": f"prompt {i}", "responses": [f"good {i}", f"bad {i}"]} for i in range(4)]
    store = make_store(tmp_path, tasks, overlap=3)
    for annotator in ("a", "b", "c"):
        store.add_annotator(annotator, None)
    choices = {"a": "ffff", "b": "fffs", "c": "ffss"}  # f = first response, s = second
    for annotator, picks in choices.items():
        for i, pick in enumerate(picks):
            judge(store, annotator, f"r{i}", "first" if pick == "f" else "second", rationale="ok")
    out = tmp_path / "pairs.jsonl"
    export_annotations(store, out, config=RULES_ONLY)
    stats, problems = file_stats(out, "preference")
    assert not problems and stats["records"] == 12
    agreement = stats["agreement"]
    assert agreement["items"] == 4 and agreement["annotator_pairs"] == 12
    # agreeing pairs: r0 3, r1 3, r2 1 (a,b), r3 1 (b,c) -> 8 of 12
    assert agreement["pairwise_agreement_percent"] == pytest.approx(66.67)
    assert agreement["krippendorff_alpha"] is not None and agreement["krippendorff_alpha"] < 0.5
    cli = runner.invoke(app, ["data", "stats", str(out), "--kind", "preference", "--json"])
    assert cli.exit_code == 0 and json.loads(cli.output)["agreement"]["krippendorff_alpha"] == agreement["krippendorff_alpha"]


def test_wilson_interval_matches_a_worked_example() -> None:
    low, high = wilson_interval(8, 10)  # the textbook 8 of 10: 0.490 - 0.943
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    summary = summarise(["tuned", "tuned", "base", "tie"])
    assert summary["win_rate"] == 0.625 and summary["tuned_wins"] == 2 and summary["ties"] == 1


def test_user_study_from_a_run_feeds_win_rates_into_compare(tmp_path: Path) -> None:
    samples = [{"suite": "win_rate", "id": f"e{i}", "prompt": [{"role": "user", "content": f"question {i}"}],
                "category": "proposal_writing", "base": f"base answer {i}", "tuned": f"tuned answer {i}"} for i in range(3)]
    samples.append({"suite": "win_rate", "id": "same", "prompt": "q", "base": "same", "tuned": "same"})  # nothing to judge
    samples.append({"suite": "safety", "id": "rt", "prompt": "q", "base": "x", "tuned": "y"})  # another suite
    run = make_run(tmp_path, samples)
    tasks_path = tmp_path / "study.jsonl"
    made = runner.invoke(app, ["annotate", "from-run", str(run), "--out", str(tasks_path)])
    assert made.exit_code == 0 and "wrote 3 study tasks" in made.output, made.output
    db = tmp_path / "a.sqlite"
    store = Store(db)
    store.add_tasks(study_tasks_from_run(run), 2)
    store.add_annotator("fl-1", "ecommerce")
    store.add_annotator("fl-2", None)
    tasks = store.tasks()
    assert all(t.kind == "study" and t.meta["run"] == "demo/20260101-000000" for t in tasks)
    for task, (one, two) in zip(tasks, [("second", "second"), ("second", "first"), ("tie", "second")], strict=True):
        judge(store, "fl-1", task.id, one)
        judge(store, "fl-2", task.id, two)
    report = export_annotations(store, tmp_path / "pairs.jsonl", config=RULES_ONLY)
    assert report.study_judgements == 6 and report.preference_records == 0
    study = json.loads((run / "eval" / "user_study.json").read_text())
    assert study["overall"]["tuned_wins"] == 4 and study["overall"]["base_wins"] == 1 and study["overall"]["ties"] == 1
    assert study["overall"]["win_rate"] == pytest.approx(4.5 / 6, abs=1e-4)
    assert study["annotators"]["fl-1"]["win_rate"] == pytest.approx(2.5 / 3, abs=1e-4)
    low, high = study["overall"]["interval_95"]
    assert low < 0.75 < high
    compared = runner.invoke(app, ["compare", str(run), "--out", str(tmp_path / "report.html")])
    assert compared.exit_code == 0, compared.output
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "User study (blind, people)" in page and "fl-1 · ecommerce" in page
    assert f"{low:.3f} – {high:.3f}" in page


def test_label_studio_json_round_trips_tasks_and_judgements(judged: Store, tmp_path: Path) -> None:
    out = tmp_path / "ls.json"
    assert export_labelstudio(judged, out) == (3, 6)
    exported = json.loads(out.read_text())
    assert exported[0]["data"]["answer1"].startswith("Hi Dana")
    pairwise = exported[0]["annotations"][0]["result"][0]
    assert pairwise == {"from_name": "comparison", "to_name": "answer1", "type": "pairwise", "value": {"selected": "left"}}
    assert "<Pairwise" in out.with_name("ls.config.xml").read_text()
    copy = Store(tmp_path / "copy.sqlite")
    counts = import_labelstudio(copy, out, overlap=2)
    assert counts == {"tasks_added": 3, "tasks_existing": 0, "annotations_imported": 6, "annotations_skipped": 0}
    def key(j):  # noqa: E306
        return (j.task_id, j.annotator_id, j.choice, j.harm_categories, j.rationale, j.answer)
    assert sorted(map(key, copy.judgements())) == sorted(map(key, judged.judgements()))
    assert copy.next_assignment("fl-1") is None  # imported work is never handed out again


def test_label_studio_import_reads_a_plain_label_studio_export(tmp_path: Path) -> None:
    export = [{"id": 7, "data": {"prompt": "Write a bio", "answer1": "I design logos.", "answer2": "logos"},
               "annotations": [{"completed_by": {"id": 3, "email": "ann@example.com"},
                                "result": [{"type": "pairwise", "from_name": "cmp", "to_name": "answer1",
                                            "value": {"selected": "right"}}]},
                               {"completed_by": 4, "was_cancelled": True, "result": []}]}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    store = Store(tmp_path / "a.sqlite")
    counts = import_labelstudio(store, path, overlap=2)
    assert counts["annotations_imported"] == 1 and counts["annotations_skipped"] == 1
    [judgement] = store.judgements()
    assert (judgement.task_id, judgement.annotator_id, judgement.choice) == ("ls-7", "ls-3", "second")
    assert "example.com" not in Path(store.path).read_bytes().decode("latin-1")  # e-mails are never stored


def test_annotate_cli_creates_annotators_and_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    created = runner.invoke(app, ["annotate", "add-annotator", "fl-9", "--db", str(db), "--expertise", "legal"])
    assert created.exit_code == 0
    token = created.stdout.strip().splitlines()[-1]
    assert Store(db).annotator_by_token(token).expertise == "legal"  # type: ignore[union-attr]
    twice = runner.invoke(app, ["annotate", "add-annotator", "fl-9", "--db", str(db)])
    assert twice.exit_code == 2 and "already exists" in twice.output
    bad = write_tasks(tmp_path / "bad.jsonl", [{"id": "x", "kind": "rank", "prompt": "p", "responses": ["only one"]}])
    served = runner.invoke(app, ["annotate", "serve", str(bad), "--db", str(db)])
    assert served.exit_code == 2
    assert "bad.jsonl:1: responses: a rank task needs two non-empty answers" in served.output
    missing = runner.invoke(app, ["annotate", "export", "--db", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "no such annotation database" in missing.output
    norun = runner.invoke(app, ["annotate", "from-run", str(tmp_path)])
    assert norun.exit_code == 2 and "no eval/samples.jsonl" in norun.output


def test_export_mixes_the_new_pairs_into_the_current_training_file(judged: Store, tmp_path: Path) -> None:
    current = tmp_path / "current.jsonl"
    current.write_text(json.dumps({"id": "old-1", "use_case": "proposal_writing", "prompt": "Job: logo",
                                   "chosen": "Here is my portfolio.", "rejected": "whatever"}) + "\n")
    out = tmp_path / "round2.jsonl"
    result = runner.invoke(app, ["annotate", "export", "--db", str(judged.path), "--out", str(out),
                                 "--mix-with", str(current), "--recipe", str(_rules_recipe(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "mixed in 1 preference records" in result.output
    ids = [p["id"] for p in read_json_lines(out)]
    assert ids[0] == "old-1" and len(ids) == 4  # the current pair, then the three new ones
    assert runner.invoke(app, ["data", "validate", str(out), "--kind", "preference"]).exit_code == 0
    current.write_text('{"id": "bad"}\n')
    bad = runner.invoke(app, ["annotate", "export", "--db", str(judged.path), "--out", str(out),
                              "--mix-with", str(current), "--recipe", str(_rules_recipe(tmp_path))])
    assert bad.exit_code == 2 and "file exists; pass --overwrite" in bad.output
    bad = runner.invoke(app, ["annotate", "export", "--db", str(judged.path), "--out", str(out), "--overwrite",
                              "--mix-with", str(current), "--recipe", str(_rules_recipe(tmp_path))])
    assert bad.exit_code == 2 and "current.jsonl:1:" in bad.output and "invalid records in the file to mix with" in bad.output


def _rules_recipe(tmp_path: Path) -> Path:
    recipe = tmp_path / "rules.yaml"
    recipe.write_text("name: annotate-test\nsafety:\n  classifiers: {rules: true, toxicity: false, semantic: false}\n")
    return recipe
