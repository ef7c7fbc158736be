"""The `toolkit` command: parse arguments, call one function, print. No logic lives here.

Known user errors (UserInputError) become one line `error: <where>: <message>` on stderr and exit
code 2; anything else is a bug and keeps its traceback (exit 1).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from toolkit.core.errors import UserInputError
from toolkit.registry import STAGES, Stage

# Library chatter that is not for our users: weight-loading and dataset-map bars (training keeps its
# own progress bar), and bitsandbytes' note about an optional CPU kernel package.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # e.g. the expected "score.weight MISSING" load report
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)

class _CommandStdout:
    """The stdout a command writes its output to. While a command runs, `sys.stdout` points at stderr,
    so whatever libraries print (transformers' "[INFO] Running in WANDB offline mode", ...) cannot
    mix into output a pipe consumes (JSONL, YAML, JSON); only `emit()` and `console` reach stdout."""

    stream: object | None = None

    def _target(self):  # type: ignore[no-untyped-def]
        return self.stream or sys.__stdout__

    def write(self, text: str) -> int:
        return self._target().write(text)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._target(), name)


_stdout = _CommandStdout()
console = Console(file=_stdout)  # type: ignore[arg-type]
err_console = Console(stderr=True)


def emit(message: str = "", nl: bool = True) -> None:
    """Print a line of the command's output on stdout."""
    typer.echo(message, nl=nl, file=_stdout)  # type: ignore[arg-type]


class _UserErrorsAsOneLine(typer.core.TyperGroup):
    """For every (sub)command: stdout for its output only, UserInputError as one line (exit 2),
    Ctrl-C as one line (exit 130)."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        outer, _stdout.stream = _stdout.stream, sys.stdout
        try:
            with contextlib.redirect_stdout(sys.stderr):
                return super().invoke(ctx)
        except UserInputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        finally:
            _stdout.stream = outer


app = typer.Typer(
    cls=_UserErrorsAsOneLine,
    help="Safety-aware post-training: SFT, reward models and DPO on TRL, with safety gates on every stage.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,  # locals can hold user records (PII)
)
recipe_app = typer.Typer(help="Validate and show recipes.", no_args_is_help=True)
data_app = typer.Typer(help="Validate, inspect, convert and split data files.", no_args_is_help=True)
models_app = typer.Typer(help="Resolve and prepare base models (the embedded default works offline).", no_args_is_help=True)
safety_app = typer.Typer(help="Run and train the safety classifiers.", no_args_is_help=True)
annotate_app = typer.Typer(
    help="Human-in-the-loop: a local web app to rank, write and blind-judge answers; exports feed the next run.",
    no_args_is_help=True,
)
app.add_typer(recipe_app, name="recipe")
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(safety_app, name="safety")
app.add_typer(annotate_app, name="annotate")
synth_app = typer.Typer(help="Generate training data (help-centre QA from your articles).", no_args_is_help=True)
app.add_typer(synth_app, name="synth")

SetOption = Annotated[
    list[str] | None, typer.Option("--set", help="Override a recipe value: key.path=value (YAML-typed).")
]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the files of an existing, non-empty --out (refused otherwise).")
]


# ---------------------------------------------------------------- recipe
@recipe_app.command("validate")
def recipe_validate(recipes: Annotated[list[Path], typer.Argument(help="Recipe YAML files.")]) -> None:
    """Check recipes against the schema; print every problem with file and line."""
    from toolkit.recipe import recipe_errors

    failed = False
    for path in recipes:
        problems = recipe_errors(path)
        for line in problems:
            typer.echo(f"error: {line}", err=True)
        if problems:
            failed = True
        else:
            console.print(f"[green]ok[/green] {path}")
    if failed:
        raise typer.Exit(2)


@recipe_app.command("show")
def recipe_show(recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")], overrides: SetOption = None) -> None:
    """Print the fully resolved recipe (extends merged, overrides applied, defaults filled) as YAML."""
    from toolkit.recipe import load_recipe, recipe_to_yaml

    emit(recipe_to_yaml(load_recipe(recipe, overrides or [])), nl=False)


# ---------------------------------------------------------------- data
DataFileArgument = Annotated[
    str,
    typer.Argument(
        help="Data file: [bold].jsonl[/bold], [bold].csv[/bold], [bold].parquet[/bold], a folder saved with "
        "datasets' save_to_disk, or a hub dataset id (online only).",
        show_default=False,
    ),
]
KindOption = Annotated[
    str,
    typer.Option(
        "--kind", "-k", help="Record kind: [bold]preference[/bold], [bold]sft[/bold], [bold]qa[/bold] or [bold]prompt[/bold]."
    ),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format", help="Input format: auto (from the extension; a folder is a saved dataset), jsonl, csv, parquet or hf."
    ),
]
SplitNameOption = Annotated[
    str | None, typer.Option("--split", help="Split to read from a Hugging Face dataset (default: its only split, or train).")
]


@data_app.command("validate")
def data_validate(
    file: DataFileArgument, kind: KindOption, fmt: FormatOption = "auto", split: SplitNameOption = None
) -> None:
    """Check every record against its schema: print each problem as [bold]error: file:line: field: message[/bold], exit 2 if any."""
    from toolkit.core.io import RawFailure, iter_records

    good = bad = problems = 0
    for item in iter_records(file, kind, fmt, split):
        if isinstance(item, RawFailure):
            bad += 1
            for problem in item.problems:
                problems += 1
                typer.echo(f"error: {problem}", err=True)
        else:
            good += 1
    if bad:
        typer.echo(f"{problems} problem(s) in {bad} of {good + bad} records", err=True)
        raise typer.Exit(2)
    emit(f"ok: {good} records")


@data_app.command("stats")
def data_stats(
    file: DataFileArgument,
    kind: KindOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON instead of tables.")] = False,
    fmt: FormatOption = "auto",
    split: SplitNameOption = None,
) -> None:
    """Counts by use case, annotator and source, length percentiles (words) and annotator agreement."""
    import json

    from toolkit.data.stats import file_stats, render_stats

    stats, problems = file_stats(file, kind, fmt, split)
    for problem in problems:
        typer.echo(f"warning: {problem} (record left out)", err=True)
    if as_json:
        emit(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        console.print(render_stats(stats))


@data_app.command("convert")
def data_convert(
    file: DataFileArgument,
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="Input layout: [bold]trl[/bold] (plain prompt/chosen/rejected), [bold]hh-rlhf[/bold], [bold]pku-saferlhf[/bold], "
            "[bold]beavertails[/bold] (prompt, response, is_safe, category), [bold]ultrafeedback[/bold] (binarized) or [bold]csv[/bold] (flat columns).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output preference JSONL (written atomically).")],
    use_case: Annotated[
        str | None, typer.Option("--use-case", help="Use case for rows that do not name one (default: general).")
    ] = None,
    fmt: FormatOption = "auto",
    prefer: Annotated[
        str,
        typer.Option("--prefer", help="PKU-SafeRLHF order: [bold]safer[/bold] (safety preference, for DPO) or [bold]better[/bold] (helpfulness); the other is kept in labels.better."),
    ] = "safer",
    overwrite: OverwriteOption = False,
) -> None:
    """Convert TRL, HH-RLHF, PKU-SafeRLHF, BeaverTails, UltraFeedback or flat CSV rows into preference records, keeping safety labels."""
    from toolkit.core.io import prepare_output_file
    from toolkit.data.adapters import convert_file, skipped_path

    prepare_output_file(out, overwrite, companions=(skipped_path(out),))
    report = convert_file(file, source, out, use_case=use_case, fmt=fmt, prefer=prefer)
    for problem in report.problems:
        typer.echo(f"warning: {problem} (row skipped)", err=True)
    skipped = f", skipped {len(report.skipped)} (kept in {report.skipped_path})" if report.skipped else ""
    pairs = f" into {report.pairs} pairs" if report.pairs != report.converted else ""
    emit(f"converted {report.converted} of {report.input_rows} rows{pairs}{skipped} -> {report.out_path}")
    if report.input_rows and not report.converted:
        typer.echo(f"error: {file}: no row could be converted from {source}", err=True)
        raise typer.Exit(2)


@data_app.command("split")
def data_split(
    file: DataFileArgument,
    kind: KindOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for train.jsonl, eval.jsonl and split_report.json.")],
    eval_fraction: Annotated[
        float, typer.Option("--eval-fraction", help="Share of records for eval, at least 0 and below 1.")
    ] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the hash that orders prompt groups.")] = 42,
    fmt: FormatOption = "auto",
    overwrite: OverwriteOption = False,
) -> None:
    """Dedupe and split into train/eval; records sharing a prompt always land in the same split."""
    from toolkit.core.io import prepare_output_dir
    from toolkit.data.split import split_file

    prepare_output_dir(out, overwrite)
    report = split_file(file, kind, eval_fraction, seed, out, fmt=fmt)
    for problem in report.invalid:
        typer.echo(f"warning: {problem} (record not split)", err=True)
    emit(
        f"train {report.train}, eval {report.eval}, duplicates removed {len(report.removed)}, "
        f"invalid {len(report.invalid)} (of {report.input}) -> {report.out_dir}"
    )


# ---------------------------------------------------------------- models
@models_app.command("prepare")
def models_prepare(
    name: Annotated[str | None, typer.Argument(help="Embedded model name, hub id or local folder (default: the embedded SmolLM2-135M-Instruct).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild the embedded model's folder even if it is already prepared.")] = False,
) -> None:
    """Make a model usable offline (the embedded default is dequantized once) and print its folder."""
    from toolkit.models import DEFAULT_MODEL, prepare_model

    emit(str(prepare_model(name or DEFAULT_MODEL, force=force)))


@models_app.command("list")
def models_list() -> None:
    """Show the embedded models, prepared folders and models in the Hugging Face cache."""
    from rich import box
    from rich.table import Column, Table

    from toolkit.models import list_models

    table = Table(
        Column("name", no_wrap=True), Column("source", no_wrap=True), Column("prepared", no_wrap=True),
        Column("size", justify="right", no_wrap=True), Column("path", overflow="fold"), box=box.SIMPLE_HEAD,
    )
    for info in list_models():
        table.add_row(info.name, info.source, "yes" if info.prepared else "no", f"{info.size_bytes / 2**20:,.0f} MiB", str(info.path))
    console.print(table)


# ---------------------------------------------------------------- safety train
@safety_app.command("train")
def safety_train(
    data: Annotated[Path, typer.Argument(help='Labelled JSONL: {"text", "labels": [category ids] ([] = safe), "role"?, "prompt"?, "group"?, "hard"?}.')],
    out: Annotated[Path, typer.Option("--out", help="Where to write the trained head (JSON).")] = Path("semantic_head.json"),
    eval_fraction: Annotated[float, typer.Option("--eval-fraction", help="Share of groups held out to calibrate and measure.")] = 0.2,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
    overwrite: OverwriteOption = False,
    target_fp: Annotated[float, typer.Option("--target-fp", help="Flag rate allowed on held-out hard safe texts (sets the threshold).")] = 0.07,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Keep embeddings here between runs.")] = None,
    regularization: Annotated[float, typer.Option("--regularization", help="Inverse L2 strength C of each logistic fit.")] = 16.0,
    hard_weight: Annotated[float, typer.Option("--hard-weight", help='Weight of each "hard" safe training text (1: like any other).')] = 1.0,
    combine: Annotated[str, typer.Option("--combine", help="How category and benign heads combine: min or mean_logit.")] = "min",
) -> None:
    """Train the semantic tier's heads (prompt and response role) on the training split, calibrate the
    threshold on the held-out split, print held-out numbers. Use it with
    `safety.classifiers.semantic_head: HEAD.json` in a recipe."""
    from rich import box
    from rich.table import Table

    from safety.classifiers.semantic import train_head_from_jsonl
    from toolkit.core.io import prepare_output_file

    prepare_output_file(out, overwrite)
    report = train_head_from_jsonl(
        data, out, eval_fraction=eval_fraction, seed=seed, target_hard_fp=target_fp, cache_dir=cache_dir,
        regularization=regularization, hard_weight=hard_weight, combine=combine,
    )
    for role in report.roles:
        table = Table("category", "precision", "recall", "held-out positives", box=box.SIMPLE_HEAD, title=f"{role.role} head (held out)")
        for row in role.metrics:
            table.add_row(row.category, f"{row.precision:.2f}", f"{row.recall:.2f}", str(row.support))
        console.print(table)
        flagged, total = role.harmful_recall
        hard_flagged, hard_total = role.hard_safe_flagged
        console.print(
            f"{role.role}: harmful flagged {flagged}/{total}, hard safe flagged {hard_flagged}/{hard_total} "
            f"(threshold {role.threshold:.3f}); {role.train_examples} train / {role.validation_examples} held out"
        )
        for category, count in role.skipped.items():
            console.print(f"[yellow]skipped[/yellow] {category}: {count} examples (needs at least 3, and some negatives)")
    console.print(f"trained on {report.examples} texts -> [bold]{report.out}[/bold]")


# ---------------------------------------------------------------- gate, safety classify
RecipeOption = Annotated[
    Path | None,
    typer.Option("--recipe", help="Recipe whose `safety` block picks classifiers, thresholds and actions (default: built-in defaults)."),
]
_PROGRESS_MIN_LINES = 10_000


@app.command("gate")
def gate_command(
    input: Annotated[Path, typer.Argument(help="Data file to gate (JSONL, CSV or Parquet), or a folder of such shards.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for kept.jsonl, quarantine.jsonl and report.json (a folder of shards or --engine ray: kept/ and quarantine/ part files).")],
    stage: Annotated[
        str | None,
        typer.Option("--stage", help="Gate as this stage would: [bold]sft[/bold], [bold]reward[/bold], [bold]cost[/bold] or [bold]dpo[/bold] (the policy differs per stage; see README)."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="preference or sft (implied by --stage; alone it gates as dpo or sft).")
    ] = None,
    recipe: RecipeOption = None,
    overwrite: OverwriteOption = False,
    engine: Annotated[
        str | None, typer.Option("--engine", help="local (this process) or ray (a Ray Data actor pool); default: the recipe's data.engine, else local.")
    ] = None,
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster to join (HEAD_IP:6379 or auto); default: RAY_ADDRESS, else a local Ray.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Ray actors at most (default: one per CPU of the cluster).")] = None,
) -> None:
    """Run the safety gate on a data file as one stage would: keep, redact, label, swap or quarantine each record, with reasons."""
    from rich import box
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from safety.audit import count_lines, gate_stage_and_kind, run_gate_file
    from toolkit.core.io import prepare_output_dir
    from toolkit.scale.shards import ENGINES, find_shards, gate_shards_local

    stage, kind = gate_stage_and_kind(stage, kind)
    use_case = None
    if recipe is not None:
        from toolkit.recipe import load_recipe

        loaded = load_recipe(recipe)
        config, engine, use_case = loaded.safety, engine or loaded.data.engine, loaded.use_case
    else:
        from safety.config import SafetyConfig

        config, engine = SafetyConfig(), engine or "local"
    if engine not in ENGINES:
        raise UserInputError("--engine", f"must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine != "ray" and (address is not None or workers is not None):
        raise UserInputError("--address", "--address and --workers only apply with --engine ray")
    prepare_output_dir(out, overwrite)
    if engine == "ray":
        from toolkit.scale.ray_engine import gate_shards_ray

        report = gate_shards_ray(find_shards(input), stage, config, out, address=address, workers=workers, use_case=use_case)
    elif input.is_dir():
        report = gate_shards_local(find_shards(input), stage, config, out, use_case=use_case)
    else:
        total = count_lines(input) if input.is_file() and input.suffix.lower() in (".jsonl", ".ndjson", ".json") else 0
        if total >= _PROGRESS_MIN_LINES:
            columns = (TextColumn("gating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=err_console, transient=True) as progress:
                task = progress.add_task("gate", total=total)
                report = run_gate_file(input, kind, out, config=config, progress=lambda n: progress.advance(task, n), stage=stage, use_case=use_case)
        else:
            report = run_gate_file(input, kind, out, config=config, stage=stage, use_case=use_case)

    actions = sorted({action for row in report.by_category_action.values() for action in row})
    table = Table("category", *actions, box=box.SIMPLE_HEAD, title="records by category and action")
    for category, row in report.by_category_action.items():
        table.add_row(category, *(str(row.get(action, "")) for action in actions))
    if report.by_category_action:
        console.print(table)
    console.print(
        f"{report.stage} gate, input {report.input}: kept {report.kept} (redacted {report.redacted}, swapped {report.swapped}, "
        f"flagged {report.flagged}, rejected unsafe {report.rejected_unsafe}, both unsafe {report.both_unsafe_kept}, "
        f"harmful prompt {report.prompt_harmful_kept}), quarantined {report.quarantined} "
        f"(parse errors {report.parse_errors}); human-label disagreements {report.disagreements} -> [bold]{out}[/bold]"
    )


@synth_app.command("help-center")
def synth_help_center(
    articles: Annotated[list[Path], typer.Argument(help="Article files or folders (.md, .html, .txt).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the generated data, report.json and a data card.")],
    generator: Annotated[str, typer.Option("--generator", help="templates, or model (templates + paraphrases by a local LM).")] = "templates",
    model: Annotated[str | None, typer.Option("--model", help="Paraphrasing model: hub id, local folder or embedded name (default: the embedded model).")] = None,
    eval_fraction: Annotated[float, typer.Option("--eval-fraction", help="Share of article sections held out for eval.")] = 0.2,
    seed: Annotated[int, typer.Option("--seed")] = 42,
    recipe: RecipeOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """QA items, SFT conversations and DPO pairs from help articles, with right, distractor, outdated,
    injected and missing contexts, all gated; held out by article section."""
    from toolkit.core.io import prepare_output_dir
    from toolkit.recipe import load_safety_config
    from toolkit.synth.build import SynthSettings, synthesize

    settings = SynthSettings(generator=generator, model=model, seed=seed, eval_fraction=eval_fraction)
    settings.check()
    prepare_output_dir(out, overwrite)
    report = synthesize(articles, out, settings, load_safety_config(recipe))
    for skip in report["inputs"]["skipped_files"]:
        typer.echo(f"skipped: {skip['file']}: {skip['reason']}", err=True)
    kinds = ", ".join(f"{k} {v['kept']}" for k, v in report["by_context_kind"].items())
    outputs = report["outputs"]
    console.print(
        f"{report['inputs']['articles']} articles, {report['sections']['used']} sections "
        f"({len(report['sections']['eval'])} held out), {report['questions']['template']} template + "
        f"{report['questions']['model']} model questions; items kept {report['items']['kept']}, quarantined "
        f"{report['items']['quarantined']} ({kinds}); sft {outputs['sft.jsonl']}, preference "
        f"{outputs['preference.jsonl']}, qa eval {outputs['qa_eval.jsonl']} -> [bold]{out}[/bold]"
    )


@safety_app.command("classify")
def safety_classify(
    text: Annotated[str | None, typer.Argument(help="The text to classify (or use --file).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="One text per line (split on \\n only), or JSONL objects with a `text` (and optional `prompt`) field.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, or jsonl (one object per input, in order).")] = "table",
    role: Annotated[str, typer.Option("--role", help="prompt (a request) or response (a model reply; a refusal is safe).")] = "prompt",
    prompt: Annotated[str | None, typer.Option("--prompt", help="With --role response: the request the text answers.")] = None,
    recipe: RecipeOption = None,
) -> None:
    """Score texts with the configured classifiers: scores per category (max over classifiers), flags, spans."""
    import json

    from rich import box
    from rich.table import Table

    from safety.audit import read_text_records
    from safety.classifiers import ROLES, classify_texts
    from toolkit.recipe import load_safety_config

    if (text is None) == (file is None):
        raise UserInputError("safety classify", "give either a TEXT argument or --file FILE")
    if output_format not in ("table", "jsonl"):
        raise UserInputError("--format", f"unknown format {output_format!r}; use table or jsonl")
    if role not in ROLES:
        raise UserInputError("--role", f"unknown role {role!r}; use prompt or response")
    if prompt is not None and role != "response":
        raise UserInputError("--prompt", "only with --role response")
    config = load_safety_config(recipe)
    records = [(text, prompt)] if text is not None else read_text_records(file)  # type: ignore[arg-type]
    prompts = [p if p is not None else prompt for _, p in records]
    verdicts = classify_texts([t for t, _ in records], config, role=role, prompts=prompts if role == "response" else None)
    if output_format == "jsonl":
        for verdict in verdicts:
            # Line separators JSON leaves raw are escaped, so one output line is one result for any reader.
            line = json.dumps(verdict.to_json(), ensure_ascii=False)
            emit(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085"))
        return
    table = Table("#", "text", "flagged", "top scores", "spans", box=box.SIMPLE_HEAD)
    for number, verdict in enumerate(verdicts, start=1):
        top = sorted(verdict.scores.items(), key=lambda item: -item[1])[:3]
        table.add_row(
            str(number),
            verdict.text if len(verdict.text) <= 60 else verdict.text[:57] + "...",
            ", ".join(verdict.flagged) or "-",
            ", ".join(f"{category} {score:.2f}" for category, score in top),
            ", ".join(f"{s.label}@{s.start}-{s.end}" for s in verdict.spans) or "-",
        )
    console.print(table)


# ---------------------------------------------------------------- training
StagesOption = Annotated[
    str | None, typer.Option("--stages", help=f"Comma-separated subset of {','.join(STAGES)} (default: the recipe's enabled stages).")
]
ResumeOption = Annotated[bool, typer.Option("--resume", help="Continue the latest (or --run-id) run: skip unchanged stages, resume from checkpoints.")]
OutputDirOption = Annotated[Path | None, typer.Option("--output-dir", help="Where runs go (default: the recipe's output_dir, 'runs').")]
RunIdOption = Annotated[str | None, typer.Option("--run-id", help="Name of the run folder (default: a timestamp).")]


def _resume_command(command: str, recipe: Path, stages: list[str] | None, output_dir: Path | None, overrides: list[str] | None, run_id: str | None) -> str:
    """The command line that continues an interrupted run where it stopped."""
    import shlex

    parts = ["toolkit", command, str(recipe)]
    if command == "run" and stages:
        parts += ["--stages", ",".join(stages)]
    if output_dir is not None:
        parts += ["--output-dir", str(output_dir)]
    for override in overrides or []:
        parts += ["--set", override]
    if run_id is not None:
        parts += ["--run-id", run_id]
    return shlex.join([*parts, "--resume"])


def _run(recipe: Path, stages: list[str] | None, resume: bool, output_dir: Path | None, overrides: list[str] | None, run_id: str | None, command: str = "run") -> None:
    import os

    from toolkit.pipeline import run_pipeline
    from toolkit.report import print_run_summary

    world = int(os.environ.get("WORLD_SIZE", "1"))
    prefix = f"[rank {os.environ.get('RANK', '0')}] " if world > 1 else ""
    try:
        run = run_pipeline(
            recipe, stages, resume, output_dir, overrides, run_id,
            on_event=lambda message: err_console.print(f"> {prefix}{message}", highlight=False, markup=False),
        )
    except KeyboardInterrupt:
        typer.echo(f"interrupted; resume with: {_resume_command(command, recipe, stages, output_dir, overrides, run_id)}", err=True)
        raise typer.Exit(130) from None
    if not prefix or os.environ.get("RANK", "0") == "0":
        print_run_summary(run.root, console)


@app.command("run")
def run_command(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    stages: StagesOption = None,
    resume: ResumeOption = False,
    output_dir: OutputDirOption = None,
    overrides: SetOption = None,
    run_id: RunIdOption = None,
) -> None:
    """Run a recipe end to end: gate -> SFT -> reward -> cost -> DPO -> eval, with a manifest."""
    _run(recipe, stages.split(",") if stages else None, resume, output_dir, overrides, run_id)


def _add_stage_command(stage: Stage) -> None:
    """`toolkit <command> RECIPE`: one registry stage alone (sft, rm, cost, dpo)."""

    def stage_command(
        recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
        resume: ResumeOption = False,
        output_dir: OutputDirOption = None,
        overrides: SetOption = None,
        run_id: RunIdOption = None,
    ) -> None:
        _run(recipe, [stage.name], resume, output_dir, overrides, run_id, command=str(stage.command))

    stage_command.__name__ = f"{stage.name}_command"
    app.command(stage.command, help=stage.summary)(stage_command)


for _stage in STAGES.values():
    if _stage.command is not None:
        _add_stage_command(_stage)


@app.command("export")
def export_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (runs/<recipe>/<run-id>).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the standalone model.")],
    merge: Annotated[bool, typer.Option("--merge/--no-merge", help="Merge the LoRA adapters into the base weights.")] = True,
    overwrite: OverwriteOption = False,
) -> None:
    """Merge a run's policy adapters (SFT, then DPO) into a standalone model folder."""
    from toolkit.core.io import prepare_output_dir
    from toolkit.export import export_policy

    prepare_output_dir(out, overwrite)

    path = export_policy(run_dir, out, merge=merge)
    console.print(f"exported [bold]{path}[/bold]")


# ---------------------------------------------------------------- eval, compare
@app.command("eval")
def eval_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (runs/<recipe>/<run-id>).")],
    overrides: SetOption = None,
) -> None:
    """Evaluate a run: reward accuracy, win rate vs base, safety, over-refusal, RAG, use-case checks."""
    from toolkit.pipeline import evaluate_run
    from toolkit.report import print_eval_summary

    run = evaluate_run(
        run_dir, overrides, on_event=lambda message: err_console.print(f"[bold cyan]>[/bold cyan] {message}", highlight=False)
    )
    print_eval_summary(run.root, console)


@app.command("compare")
def compare_command(
    run_dirs: Annotated[list[Path], typer.Argument(help="Run folders to compare.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML report to write (self-contained).")] = Path("report.html"),
) -> None:
    """One self-contained HTML page comparing runs: metrics, win/violation rates, curves, gates, samples."""
    from toolkit.report import write_comparison

    console.print(f"wrote [bold]{write_comparison(run_dirs, out)}[/bold]")


# ---------------------------------------------------------------- annotate
DbOption = Annotated[Path, typer.Option("--db", help="The annotation database (SQLite, created if missing).")]


@annotate_app.command("serve")
def annotate_serve(
    tasks: Annotated[Path | None, typer.Argument(help="Task JSONL to load first (rank / write / study tasks, or preference pairs).")] = None,
    db: DbOption = Path("annotations.sqlite"),
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    overlap: Annotated[int, typer.Option("--overlap", help="Annotators per newly loaded task (2+ gives agreement).")] = 2,
    max_per_minute: Annotated[int, typer.Option("--max-per-minute", help="Submissions one annotator may make per minute.")] = 30,
) -> None:
    """Serve the annotation app (log in with a token from `toolkit annotate add-annotator`)."""
    from toolkit.annotate.app import AppSettings, serve
    from toolkit.annotate.store import Store
    from toolkit.annotate.tasks import iter_task_file

    if max_per_minute < 1:
        raise UserInputError("--max-per-minute", "must be at least 1")
    store = Store(db)
    if tasks is not None:
        added, existing = store.add_tasks(iter_task_file(tasks), overlap)
        err_console.print(f"loaded {added} new tasks from {tasks} ({existing} already there)", highlight=False)
    if not store.annotators():
        err_console.print("note: no annotator yet; create one with `toolkit annotate add-annotator ID --db ...`", highlight=False)
    err_console.print(f"serving {db} on http://{host}:{port}/ (Ctrl-C stops; confirmed submissions are saved)", highlight=False)
    serve(db, host, port, AppSettings(max_submissions_per_minute=max_per_minute))


@annotate_app.command("add-annotator")
def annotate_add_annotator(
    annotator_id: Annotated[str, typer.Argument(metavar="ID", help="A pseudonymous id (e.g. fl-117), not a name or e-mail.")],
    db: DbOption = Path("annotations.sqlite"),
    expertise: Annotated[str | None, typer.Option("--expertise", help="Domain expertise recorded with every judgement (e.g. ecommerce).")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="May open the admin page (progress, agreement, quarantine).")] = False,
) -> None:
    """Create an annotator and print their login token (shown once; only its hash is stored)."""
    from toolkit.annotate.store import Store

    token = Store(db).add_annotator(annotator_id, expertise, is_admin=admin)
    err_console.print(f"annotator {annotator_id} created; give them this token (it is not shown again):", highlight=False)
    emit(token)


@annotate_app.command("from-run")
def annotate_from_run(
    run_dir: Annotated[Path, typer.Argument(help="A run folder with eval/samples.jsonl.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Task JSONL to write (load it with `annotate serve`).")] = Path("study_tasks.jsonl"),
    suite: Annotated[list[str] | None, typer.Option("--suite", help="Eval suites whose samples to use (default: win_rate).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many prompts.")] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Blind user-study tasks (base vs tuned answers) from a run's eval samples."""
    from toolkit.annotate.tasks import study_tasks_from_run
    from toolkit.core.io import prepare_output_file, write_jsonl

    prepare_output_file(out, overwrite)
    tasks = study_tasks_from_run(run_dir, tuple(suite or ["win_rate"]), limit)
    write_jsonl(out, tasks)
    emit(f"wrote {len(tasks)} study tasks -> {out}")


@annotate_app.command("export")
def annotate_export(
    db: DbOption = Path("annotations.sqlite"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Preference pairs JSONL; conversations, quarantine, report and study results are written beside it.")] = Path("pairs.jsonl"),
    sft_out: Annotated[Path | None, typer.Option("--sft-out", help="SFT conversations JSONL (default: <out>.sft.jsonl).")] = None,
    recipe: RecipeOption = None,
    mix_with: Annotated[Path | None, typer.Option("--mix-with", help="Current preference file: its records first, then the new pairs (the next run's data).")] = None,
    mix_sft_with: Annotated[Path | None, typer.Option("--mix-sft-with", help="Current SFT file, mixed the same way into the conversations.")] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Export judgements as canonical records, after the safety gate (PII redacted, unsafe text quarantined)."""
    from toolkit.annotate.export import export_annotations, output_paths
    from toolkit.annotate.store import Store
    from toolkit.core.io import prepare_output_file
    from toolkit.recipe import load_safety_config

    if not db.is_file():
        raise UserInputError(str(db), "no such annotation database")
    paths = output_paths(out, sft_out)
    prepare_output_file(out, overwrite, companions=tuple(p for name, p in paths.items() if name != "preference"))
    report = export_annotations(Store(db), out, sft_out, load_safety_config(recipe), mix_with=mix_with, mix_sft_with=mix_sft_with)
    emit(
        f"{report.judgements} judgements: {report.exported_judgements} exported ({report.preference_records} pairs, "
        f"{report.sft_records} conversations, {report.redacted} redacted), {report.quarantined_judgements} quarantined, "
        f"{report.not_a_pair} ties or both bad, {report.study_judgements} user-study"
        + "".join(f"; mixed in {count} {kind} records" for kind, count in report.mixed_in.items())
    )
    for name, path in report.paths.items():
        emit(f"  {name}: {path}")


@annotate_app.command("export-labelstudio")
def annotate_export_labelstudio(
    db: DbOption = Path("annotations.sqlite"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Label Studio task JSON (its labeling config goes beside it).")] = Path("labelstudio.json"),
    overwrite: OverwriteOption = False,
) -> None:
    """Tasks and annotations as Label Studio JSON (raw, before the safety gate: for your own Label Studio)."""
    from toolkit.annotate.labelstudio import config_path, export_labelstudio
    from toolkit.annotate.store import Store
    from toolkit.core.io import prepare_output_file

    prepare_output_file(out, overwrite, companions=(config_path(out),))
    if not db.is_file():
        raise UserInputError(str(db), "no such annotation database")
    tasks, annotations = export_labelstudio(Store(db), out)
    emit(f"wrote {tasks} tasks with {annotations} annotations -> {out}")


@annotate_app.command("import-labelstudio")
def annotate_import_labelstudio(
    file: Annotated[Path, typer.Argument(help="A Label Studio JSON export.")],
    db: DbOption = Path("annotations.sqlite"),
    overlap: Annotated[int, typer.Option("--overlap", help="Annotators per newly loaded task.")] = 2,
) -> None:
    """Load Label Studio tasks and their annotations into the annotation database."""
    from toolkit.annotate.labelstudio import import_labelstudio
    from toolkit.annotate.store import Store

    counts = import_labelstudio(Store(db), file, overlap)
    emit(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))


def main() -> None:
    """Entry point of the `toolkit` console script."""
    app()
