"""Weights & Biases tracking, offline by default, with PII redaction of everything we log.

The toolkit starts the W&B run itself (group = recipe name, job_type = stage) so that the TRL /
transformers `WandbCallback` finds an active `wandb.run` and logs into it instead of creating its
own run in the "huggingface" project. Usage, one stage:

    with Tracker(recipe, "dpo", run_dir, run_id) as tracker:
        args = DPOConfig(..., report_to=tracker.report_to())   # build the trainer inside the block
        trainer.train()
        tracker.log_gate_report(report)

Every string we hand to W&B (config, tags, table cells, summaries) passes through
`safety.redaction.redact_pii` first. What the trainer adds to the config itself (its
TrainingArguments and the model config) is hyper-parameters, not data, and is not redacted here.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from safety.redaction import redact_pii
from toolkit.core.errors import UserInputError

if TYPE_CHECKING:
    from wandb.sdk.wandb_run import Run

    from toolkit.recipe import Recipe, WandbSettings

WANDB_MODES = ("offline", "online", "disabled")
# wandb's older spellings of the same modes, still accepted by the WANDB_MODE variable
_MODE_ALIASES = {"dryrun": "offline", "run": "online"}


def wandb_mode(settings: WandbSettings) -> str:
    """The W&B mode to use: the WANDB_MODE environment variable wins, else the recipe (default offline)."""
    from_env = os.environ.get("WANDB_MODE", "").strip().lower()
    if not from_env:
        return settings.mode
    mode = _MODE_ALIASES.get(from_env, from_env)
    if mode not in WANDB_MODES:
        raise UserInputError(
            "WANDB_MODE", f"unknown W&B mode {from_env!r}; use one of {', '.join(WANDB_MODES)}"
        )
    return mode


def redact_value(value: Any) -> Any:
    """A copy of `value` with every string (dict keys included) passed through `redact_pii`.

    Walks mappings, lists, tuples and sets; numbers, booleans and None are returned as they are.
    Pydantic models and dataclasses are dumped to plain data first.
    """
    if isinstance(value, str):
        return redact_pii(value)
    if hasattr(value, "model_dump"):
        return redact_value(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return redact_value(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {redact_value(k) if isinstance(k, str) else k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(item) for item in value]
    return value


def _quiet_offline_safe_settings(mode: str) -> Any:
    """Settings that keep W&B quiet and keep code, git state and machine details out of the run."""
    import wandb

    return wandb.Settings(
        mode=mode,
        save_code=False,
        disable_code=True,
        disable_git=True,
        disable_job_creation=True,
        console="off",  # captured stdout can hold raw samples; we log only redacted data
        x_disable_meta=True,  # metadata holds username, email, host, program arguments
        x_save_requirements=False,
        quiet=True,
        # several stages may run one after another in one process; the new run must become wandb.run
        reinit="finish_previous",
    )


def _table_cell(value: Any) -> Any:
    """Scalars stay as they are; chats become `role: content` lines; other structures become JSON."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list) and all(
        isinstance(m, Mapping) and {"role", "content"} <= m.keys() for m in value
    ):
        return "\n".join(f"{m['role']}: {m['content']}" for m in value)
    return json.dumps(value, ensure_ascii=False, default=str)


class Tracker:
    """One W&B run for one stage of a recipe; a no-op when disabled or on a non-zero rank."""

    def __init__(
        self,
        recipe: Recipe,
        stage: str,
        run_dir: Path,
        run_id: str,
        enabled_on_this_rank: bool = True,
    ) -> None:
        self.recipe = recipe
        self.stage = stage
        self.run_dir = Path(run_dir)
        self.run_id = run_id
        self.mode = wandb_mode(recipe.tracking.wandb)
        self.enabled = enabled_on_this_rank and self.mode != "disabled"
        self._run: Run | None = None
        self._run_path: Path | None = None

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> Tracker:
        if not self.enabled:
            return self
        import wandb

        settings = self.recipe.tracking.wandb
        self.run_dir.mkdir(parents=True, exist_ok=True)
        recipe_data = self.recipe.model_dump(mode="json", exclude={"extends"})
        self._run = wandb.init(
            project=settings.project,
            entity=settings.entity,
            mode=self.mode,
            dir=str(self.run_dir),
            group=self.recipe.name,
            job_type=self.stage,
            name=f"{self.recipe.name}-{self.stage}-{self.run_id}",
            # nested under "recipe" so the trainer's own config (seed, output_dir, ...) cannot overwrite it
            config=redact_value(
                {"recipe": recipe_data, "toolkit": {"stage": self.stage, "run_id": self.run_id}}
            ),
            tags=redact_value(list(dict.fromkeys([*settings.tags, self.stage]))),
            settings=_quiet_offline_safe_settings(self.mode),
        )
        self._run_path = Path(self._run.dir).parent
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._run is None:
            return
        import wandb

        run, self._run = self._run, None
        run.finish(exit_code=1 if exc_type is not None else 0)
        # finish() returns before wandb-core has flushed the run file (it closes the stream
        # asynchronously); teardown waits for the service, so the run is complete on disk when the
        # stage ends. The next Tracker starts a fresh service (a fraction of a second).
        wandb.teardown()

    # ------------------------------------------------------------ state
    @property
    def active(self) -> bool:
        """True while a W&B run is live (inside the `with` block, enabled, rank zero)."""
        return self._run is not None

    @property
    def run_path(self) -> Path | None:
        """The run's own folder (`<run_dir>/wandb/offline-run-*/`); None when tracking is off."""
        return self._run_path

    def report_to(self) -> list[str]:
        """The trainer's `report_to`: ["wandb"] while our run is live, else ["none"].

        Build the trainer inside the `with` block: outside it the callback would start its own,
        unredacted run.
        """
        return ["wandb"] if self.active else ["none"]

    # ------------------------------------------------------------ logging
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """One history row (redacted); `step` only when nothing else logs into this run."""
        if self._run is not None:
            self._run.log(redact_value(dict(metrics)), step=step)

    def log_summary(self, metrics: Mapping[str, Any]) -> None:
        """Final numbers of the stage (redacted), shown in the runs table."""
        if self._run is not None:
            self._run.summary.update(redact_value(dict(metrics)))

    def log_table(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A W&B table; every string cell is redacted before it leaves the process."""
        if self._run is None:
            return
        import wandb

        safe_rows = [[_table_cell(redact_value(cell)) for cell in row] for row in rows]
        table = wandb.Table(columns=redact_value(list(columns)), data=safe_rows)
        self._run.log({redact_pii(name): table})

    def log_samples(self, name: str, samples: Sequence[Mapping[str, Any]]) -> None:
        """Generated or training samples as a redacted table; columns are the union of the keys."""
        if self._run is None:
            return
        columns = list(dict.fromkeys(key for sample in samples for key in sample))
        self.log_table(name, columns, [[sample.get(column) for column in columns] for sample in samples])

    def log_gate_report(self, report: Mapping[str, Any], name: str = "gate") -> None:
        """A safety gate's outcome: counts per (category, action) as a table, totals as summary numbers.

        Expected shape (extra keys are fine): numbers at the top level (`input`, `kept`,
        `quarantined`, `redacted`, `swapped`, ...) become `<name>/<key>` summary values; nested
        mappings of numbers become `<name>/<key>/<sub>`; `by_category` maps category -> action -> count
        (or category -> count) and becomes the table `<name>/categories` (category, action, count).
        """
        if self._run is None:
            return
        report = redact_value(report)
        summary: dict[str, float | int] = {}
        for key, value in report.items():
            if key == "by_category":
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                summary[f"{name}/{key}"] = value
            elif isinstance(value, Mapping):
                for sub, number in value.items():
                    if isinstance(number, (int, float)) and not isinstance(number, bool):
                        summary[f"{name}/{key}/{sub}"] = number
        rows: list[list[Any]] = []
        for category, actions in (report.get("by_category") or {}).items():
            if isinstance(actions, Mapping):
                rows.extend([category, action, count] for action, count in actions.items())
            else:
                rows.append([category, "", actions])
        self.log_table(f"{name}/categories", ["category", "action", "count"], rows)
        self._run.summary.update(summary)
