"""Label Studio JSON, both ways, for teams that already label there.

Export writes Label Studio's task list (`data` + `annotations[].result`) and the labeling config the
results refer to (`<out>.config.xml`): a `Pairwise` tag `comparison` over `answer1`/`answer2` (rank
and study tasks; `left` = answer1), a `Choices` tag `verdict` for tie / both bad, `Choices` tags
`harm_answer1` / `harm_answer2` with the taxonomy, and `TextArea` tags `rationale` and `answer`.
Import reads the same shapes back; an annotation's author becomes `ls-<user id>` (a Label Studio
export's e-mail addresses are never stored), and imported annotators get no login token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from safety.taxonomy import CATEGORIES
from toolkit.annotate.store import Store
from toolkit.annotate.tasks import AnnotationTask
from toolkit.core.errors import UserInputError


def labeling_config() -> str:
    """The Label Studio labeling config matching the exported results."""
    harms = "".join(f'<Choice value="{c.id}"/>' for c in CATEGORIES.values())
    return (
        "<View>\n"
        '  <Text name="prompt" value="$prompt"/>\n'
        '  <Text name="answer1" value="$answer1"/>\n'
        '  <Choices name="harm_answer1" toName="answer1" choice="multiple">' + harms + "</Choices>\n"
        '  <Text name="answer2" value="$answer2"/>\n'
        '  <Choices name="harm_answer2" toName="answer2" choice="multiple">' + harms + "</Choices>\n"
        '  <Pairwise name="comparison" toName="answer1,answer2"/>\n'
        '  <Choices name="verdict" toName="prompt" choice="single"><Choice value="tie"/><Choice value="both_bad"/></Choices>\n'
        '  <TextArea name="rationale" toName="prompt"/>\n'
        '  <TextArea name="answer" toName="prompt"/>\n'
        "</View>\n"
    )


def config_path(out: str | Path) -> Path:
    """The labeling config written beside a Label Studio export."""
    out = Path(out)
    return out.with_name(out.name.removesuffix(".json") + ".config.xml")


def _task_data(task: AnnotationTask) -> dict[str, Any]:
    data: dict[str, Any] = {"task_id": task.id, "kind": task.kind, "use_case": task.use_case, "prompt": task.prompt_text()}
    if task.kind == "rank":
        data["answer1"], data["answer2"] = task.responses or ["", ""]
    elif task.kind == "study":
        data["answer1"], data["answer2"] = task.base, task.tuned
        data["study_meta"] = task.meta
    elif task.draft:
        data["draft"] = task.draft
    return data


def export_labelstudio(store: Store, out: str | Path) -> tuple[int, int]:
    """Write tasks with their annotations as Label Studio JSON; returns (tasks, annotations)."""
    from toolkit.core.io import atomic_write_json, atomic_write_text

    by_task: dict[str, list[Any]] = {}
    for judgement in store.judgements():
        by_task.setdefault(judgement.task_id, []).append(judgement)
    exported = []
    annotations = 0
    for number, task in enumerate(store.tasks(), start=1):
        results_per_annotation = []
        for judgement in by_task.get(task.id, []):
            result: list[dict[str, Any]] = []
            if judgement.choice in ("first", "second"):
                selected = "left" if judgement.choice == "first" else "right"
                result.append({"from_name": "comparison", "to_name": "answer1", "type": "pairwise", "value": {"selected": selected}})
            elif judgement.choice in ("tie", "both_bad"):
                result.append({"from_name": "verdict", "to_name": "prompt", "type": "choices", "value": {"choices": [judgement.choice]}})
            for side, name in (("first", "harm_answer1"), ("second", "harm_answer2")):
                if judgement.harm_categories.get(side):
                    to_name = name.removeprefix("harm_")
                    result.append({"from_name": name, "to_name": to_name, "type": "choices",
                                   "value": {"choices": judgement.harm_categories[side]}})
            for name, text in (("rationale", judgement.rationale), ("answer", judgement.answer)):
                if text:
                    result.append({"from_name": name, "to_name": "prompt", "type": "textarea", "value": {"text": [text]}})
            results_per_annotation.append({"result": result, "created_at": judgement.created_at,
                                           "toolkit_annotator": judgement.annotator_id})
        annotations += len(results_per_annotation)
        exported.append({"id": number, "data": _task_data(task), "annotations": results_per_annotation})
    atomic_write_json(out, exported)
    atomic_write_text(config_path(out), labeling_config())
    return len(exported), annotations


def _task_from_data(item: dict[str, Any], where: str) -> AnnotationTask:
    data = item.get("data")
    if not isinstance(data, dict):
        raise UserInputError(where, "a Label Studio task needs a `data` object")
    kind = data.get("kind") or ("rank" if "answer1" in data and "answer2" in data else "write")
    fields: dict[str, Any] = {"id": str(data.get("task_id") or f"ls-{item.get('id')}"), "kind": kind,
                              "use_case": data.get("use_case") or "general", "prompt": data.get("prompt")}
    if kind == "rank":
        fields["responses"] = [data.get("answer1"), data.get("answer2")]
    elif kind == "study":
        fields["base"], fields["tuned"] = data.get("answer1"), data.get("answer2")
        fields["meta"] = data.get("study_meta") or {}
    elif data.get("draft"):
        fields["draft"] = data["draft"]
    try:
        return AnnotationTask.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise UserInputError(f"{where}: data.{'.'.join(str(p) for p in error['loc'])}", error["msg"].removeprefix("Value error, ")) from None


def _author(annotation: dict[str, Any]) -> str:
    if annotation.get("toolkit_annotator"):
        return str(annotation["toolkit_annotator"])
    author = annotation.get("completed_by")
    if isinstance(author, dict):
        author = author.get("id")
    return f"ls-{author if author is not None else 'unknown'}"


def _judgement(result: list[dict[str, Any]]) -> dict[str, Any]:
    choice: str | None = None
    harms: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for entry in result:
        value = entry.get("value") or {}
        name = entry.get("from_name")
        if entry.get("type") == "pairwise":
            choice = {"left": "first", "right": "second"}.get(value.get("selected"))
        elif name == "verdict" and value.get("choices"):
            choice = value["choices"][0] if value["choices"][0] in ("tie", "both_bad") else choice
        elif name in ("harm_answer1", "harm_answer2"):
            harms["first" if name == "harm_answer1" else "second"] = [c for c in value.get("choices", []) if c in CATEGORIES]
        elif entry.get("type") == "textarea" and name in ("rationale", "answer"):
            texts[name] = "\n".join(value.get("text") or [])
    return {"choice": choice, "harm_categories": harms, "rationale": texts.get("rationale"), "answer": texts.get("answer")}


def import_labelstudio(store: Store, path: str | Path, overlap: int) -> dict[str, int]:
    """Load Label Studio tasks (and their annotations) into the database."""
    shown = str(path)
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(shown, "file not found") from None
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{shown}:{exc.lineno}", f"invalid JSON: {exc.msg}") from None
    if not isinstance(items, list):
        raise UserInputError(shown, "a Label Studio export is a JSON list of tasks")
    tasks = [_task_from_data(item, f"{shown}: task {number}") for number, item in enumerate(items, start=1)]
    added, existing = store.add_tasks(tasks, overlap)
    imported = skipped = 0
    for task, item in zip(tasks, items, strict=True):
        for annotation in item.get("annotations") or []:
            if annotation.get("was_cancelled"):
                skipped += 1
                continue
            judgement = _judgement(annotation.get("result") or [])
            useful = judgement["answer"] if task.kind == "write" else judgement["choice"]
            if not useful:
                skipped += 1
                continue
            author = _author(annotation)
            if not store.has_annotator(author):
                store.add_annotator(author, None)  # the token is discarded: imported authors do not log in
            created_at = annotation.get("created_at")
            if store.import_judgement(author, task, judgement["choice"], judgement["harm_categories"],
                                      judgement["rationale"], judgement["answer"], created_at):
                imported += 1
            else:
                skipped += 1
    return {"tasks_added": added, "tasks_existing": existing, "annotations_imported": imported, "annotations_skipped": skipped}
