"""Annotation tasks: what a person is asked to do, read from a JSONL file with line-precise errors.

Three kinds:
- `rank`: a prompt and two responses; the annotator picks the better one (or tie / both bad), ticks
  safety problems and writes a rationale. A preference record (`chosen`/`rejected`) is read as a
  rank task too, so existing pairs can be re-judged.
- `write`: a prompt and an optional draft; the annotator writes the answer (an SFT conversation, and
  with a draft a preference pair whose rejected answer is the draft).
- `study`: a prompt with a base and a tuned answer from a run's eval samples (`toolkit annotate
  from-run`), shown blind and in random order; the results become a human win rate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from toolkit.core.errors import UserInputError, ValidationErrors
from toolkit.core.schema import Turns, normalise_text, turns_text

TaskKind = Literal["rank", "write", "study"]
TASK_KINDS: tuple[str, ...] = ("rank", "write", "study")


class AnnotationTask(BaseModel):
    """One task as the app stores it; `meta` carries provenance (the run folder of a study task)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    kind: TaskKind
    use_case: str = "general"
    prompt: Turns
    responses: list[str] | None = Field(default=None, validate_default=True, description="rank: exactly two responses")
    draft: str | None = Field(default=None, description="write: an optional draft the writer may edit")
    base: str | None = Field(default=None, validate_default=True, description="study: the base model's answer")
    tuned: str | None = Field(default=None, validate_default=True, description="study: the tuned model's answer")
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: Turns) -> Turns:
        if not turns_text(value).strip():
            raise ValueError("prompt is empty")
        return value

    @field_validator("responses")
    @classmethod
    def _two_responses(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if info.data.get("kind") != "rank":
            return value
        if not value or len(value) != 2 or not all(r.strip() for r in value):
            raise ValueError("a rank task needs two non-empty answers")
        if normalise_text(value[0]) == normalise_text(value[1]):
            raise ValueError("the two responses are identical")
        return value

    @field_validator("base", "tuned")
    @classmethod
    def _study_answer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == "study" and not (value and value.strip()):
            raise ValueError("a study task needs a non-empty answer here")
        return value

    def prompt_text(self) -> str:
        """The prompt as one text (message lists joined by turns) for display."""
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n\n".join(f"{m.role}: {m.content}" for m in self.prompt)


def _as_task(data: dict[str, Any]) -> dict[str, Any]:
    """A preference record (chosen/rejected, no kind) becomes a rank task; other records pass as they are."""
    if "kind" in data or not {"chosen", "rejected"} <= data.keys():
        return data
    return {
        "id": data.get("id"),
        "kind": "rank",
        "use_case": data.get("use_case", "general"),
        "prompt": data.get("prompt"),
        "responses": [turns_text_of(data.get("chosen")), turns_text_of(data.get("rejected"))],
        "meta": {"from_pair": True},
    }


def turns_text_of(value: Any) -> Any:
    """Plain text of a string or a list of message dicts (anything else passes for validation to reject)."""
    if isinstance(value, list) and all(isinstance(m, dict) and "content" in m for m in value):
        return "\n".join(str(m["content"]) for m in value)
    return value


def _where(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "record"


def iter_task_file(path: str | Path) -> Iterator[AnnotationTask]:
    """Tasks of a JSONL file; every bad line is reported (`file:line: field: message`), then raised."""
    shown = str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise UserInputError(shown, "file not found") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(shown, f"not UTF-8 text (byte {exc.start})") from None
    problems: list[UserInputError] = []
    tasks: list[AnnotationTask] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{shown}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(UserInputError(where, f"invalid JSON: {exc.msg}"))
            continue
        if not isinstance(data, dict):
            problems.append(UserInputError(where, "a task is a JSON object"))
            continue
        try:
            task = AnnotationTask.model_validate(_as_task(data))
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(UserInputError(f"{where}: {_where(error)}", error["msg"].removeprefix("Value error, ")))
            continue
        if task.id in seen:
            problems.append(UserInputError(f"{where}: id", f"duplicate task id {task.id!r}"))
            continue
        seen.add(task.id)
        tasks.append(task)
    if problems:
        raise ValidationErrors(problems)
    yield from tasks


def study_tasks_from_run(run_dir: str | Path, suites: tuple[str, ...] = ("win_rate",), limit: int | None = None) -> list[AnnotationTask]:
    """Blind base-vs-tuned tasks from a run's `eval/samples.jsonl` (by default the win-rate prompts)."""
    root = Path(run_dir)
    samples = root / "eval" / "samples.jsonl"
    if not samples.is_file():
        raise UserInputError(str(root), "no eval/samples.jsonl: run `toolkit eval RUN_DIR` first")
    run_name = f"{root.parent.name}/{root.name}"
    tasks: list[AnnotationTask] = []
    for number, line in enumerate(samples.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        sample = json.loads(line)
        if sample.get("suite") not in suites:
            continue
        base, tuned = str(sample.get("base") or ""), str(sample.get("tuned") or "")
        if not base.strip() or not tuned.strip() or normalise_text(base) == normalise_text(tuned):
            continue  # nothing to judge: an empty answer, or both models said the same
        tasks.append(
            AnnotationTask(
                id=f"study:{run_name}:{sample.get('suite')}:{sample.get('id', number)}",
                kind="study",
                use_case=str(sample.get("category") or "general"),
                prompt=sample["prompt"],
                base=base,
                tuned=tuned,
                meta={"run_dir": str(root.resolve()), "run": run_name, "suite": sample.get("suite"), "sample_id": sample.get("id")},
            )
        )
        if limit is not None and len(tasks) >= limit:
            break
    if not tasks:
        raise UserInputError(str(samples), f"no sample of suite {', '.join(suites)} with two different answers")
    return tasks
