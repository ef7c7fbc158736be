"""The fields of TRL's config classes, so a recipe's free `trl:` mapping is type-checked at load time.

Why not import the classes: `import trl` pulls in torch and transformers (10+ s of CPU), which
`recipe show`, `recipe validate` and `gate --recipe` should not pay. The dataclass fields are read
from the installed sources instead (TRL's config module, its `_BaseConfig`, and transformers'
`TrainingArguments`), with their annotations mapped onto plain Python types; anything the mapping
does not know (enums, library classes) is accepted as is and left for TRL to check. If the sources
cannot be found or parsed, the classes are imported after all.
"""

from __future__ import annotations

import ast
import importlib.util
import math
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from toolkit.registry import STAGES

# The TRL config class each stage builds, from the registry (ours subclass TRL's with extra knobs).
STAGE_CONFIGS: dict[str, str] = {s.name: s.trl_config for s in STAGES.values() if s.trl_config is not None}
_CONFIG_MODULES = {
    "SFTConfig": "sft_config.py", "RewardConfig": "reward_config.py", "DPOConfig": "dpo_config.py", "GRPOConfig": "grpo_config.py",
}  # fmt: skip
# Our subclasses: class -> (its source file under the repository, the module to import, the TRL class it extends).
_REPO = Path(__file__).resolve().parent.parent
OWN_CONFIGS: dict[str, tuple[Path, str, str]] = {
    "SafetyDPOConfig": (_REPO / "toolkit" / "stages" / "dpo.py", "toolkit.stages.dpo", "DPOConfig"),
    "CostConfig": (_REPO / "reward_models" / "cost.py", "reward_models.cost", "RewardConfig"),
}

# Numbers the trainer needs finite and positive; `max_steps` is -1 (use epochs) or positive.
POSITIVE_FIELDS = frozenset(
    {
        "learning_rate", "num_train_epochs", "per_device_train_batch_size", "per_device_eval_batch_size",
        "gradient_accumulation_steps", "logging_steps", "save_steps", "eval_steps", "beta", "max_length",
        "max_prompt_length", "max_completion_length",
    }
)


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # top-level only: finds the package without importing it
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _annotation_type(node: ast.expr | None) -> Any:
    """`int | None`, `Optional[list[str]]`, `Literal[...]`, ... as a type pydantic can check; unknown -> Any."""
    simple = {"int": int, "float": float, "bool": bool, "str": str, "dict": dict, "list": list, "None": type(None)}
    if node is None:
        return Any
    if isinstance(node, ast.Constant) and node.value is None:
        return type(None)
    if isinstance(node, ast.Name):
        return simple.get(node.id, Any)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _annotation_type(node.left), _annotation_type(node.right)
        return Any if Any in (left, right) else Union[left, right]  # noqa: UP007 (built at run time)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        outer = node.value.id
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer == "Literal" and all(isinstance(p, ast.Constant) for p in parts):
            return Literal[tuple(p.value for p in parts)]  # type: ignore[misc]
        inner = [_annotation_type(p) for p in parts]
        if outer == "Optional":
            return Any if inner[0] is Any else inner[0] | None
        if outer == "Union":
            return Any if Any in inner else Union[tuple(inner)]  # noqa: UP007
        if outer == "list":
            return list[inner[0]]  # type: ignore[valid-type]
        if outer == "dict" and len(inner) == 2:
            return dict[inner[0], inner[1]]  # type: ignore[valid-type]
    return Any


def _class_fields(tree: ast.Module, class_name: str) -> tuple[dict[str, ast.expr], list[str]]:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            fields: dict[str, ast.expr] = {}
            for statement in node.body:
                if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
                    continue
                value = statement.value
                not_init = isinstance(value, ast.Call) and any(
                    k.arg == "init" and isinstance(k.value, ast.Constant) and k.value.value is False
                    for k in value.keywords
                )
                if "ClassVar" not in ast.unparse(statement.annotation) and not not_init:
                    fields[statement.target.id] = statement.annotation
            return fields, [ast.unparse(base) for base in node.bases]
    raise LookupError(class_name)


def _fields_from_source(config_name: str) -> dict[str, Any]:
    trl_dir, transformers_dir = _package_dir("trl"), _package_dir("transformers")
    if trl_dir is None or transformers_dir is None:
        raise LookupError("trl or transformers is not installed")
    own: list[tuple[Path, str]] = []
    trl_name = config_name
    if config_name in OWN_CONFIGS:
        path, _, trl_name = OWN_CONFIGS[config_name]
        own = [(path, config_name)]
    chain = [
        *own,
        (trl_dir / "trainer" / _CONFIG_MODULES[trl_name], trl_name),
        (trl_dir / "trainer" / "base_config.py", "_BaseConfig"),
        (transformers_dir / "training_args.py", "TrainingArguments"),
    ]
    annotations: dict[str, ast.expr] = {}
    for index, (path, class_name) in enumerate(chain):
        fields, bases = _class_fields(ast.parse(path.read_text(encoding="utf-8")), class_name)
        for name, annotation in fields.items():
            annotations.setdefault(name, annotation)  # the subclass's annotation wins
        if index + 1 < len(chain) and chain[index + 1][1] not in bases:
            raise LookupError(f"{class_name} no longer derives from {chain[index + 1][1]}")
    return {name: _annotation_type(annotation) for name, annotation in annotations.items()}


def config_class(config_name: str) -> type[Any]:
    """The config class itself (imports trl: slow, for when the sources cannot be read)."""
    import importlib

    module = OWN_CONFIGS[config_name][1] if config_name in OWN_CONFIGS else "trl"
    return getattr(importlib.import_module(module), config_name)


def _fields_from_import(config_name: str) -> dict[str, Any]:
    import dataclasses

    return {f.name: Any for f in dataclasses.fields(config_class(config_name)) if f.init}


@cache
def config_fields(config_name: str) -> dict[str, Any]:
    """Field name -> checkable type of one TRL config class."""
    try:
        return _fields_from_source(config_name)
    except (LookupError, OSError, SyntaxError):
        return _fields_from_import(config_name)


@cache
def _validator(config_name: str) -> TypeAdapter[Any]:
    fields = config_fields(config_name)
    typed = TypedDict(config_name, fields, total=False)  # type: ignore[operator]
    typed.__pydantic_config__ = ConfigDict(extra="forbid", allow_inf_nan=False)  # type: ignore[attr-defined]
    return TypeAdapter(typed)


def _trl_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trl")
    except PackageNotFoundError:
        return "?"


def check_trl_mapping(stage: str, mapping: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate a stage's `trl:` mapping; returns (the coerced mapping, [(key, message)] problems)."""
    config_name = STAGE_CONFIGS[stage]
    problems: list[tuple[str, str]] = []
    try:
        checked = dict(_validator(config_name).validate_python(mapping))
    except ValidationError as exc:
        checked = dict(mapping)
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "(trl)"
            if error["type"] == "extra_forbidden":
                message = f"not a field of {config_name} (TRL {_trl_version()})"
            else:
                message = f"{error['msg']} (checked against {config_name})"
            problems.append((key, message))
    bad = {key for key, _ in problems}
    for key, value in checked.items():
        if key in bad or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if key == "max_steps" and value != -1 and value <= 0:
            problems.append((key, "must be -1 (train for num_train_epochs) or a positive number of steps"))
        elif key in POSITIVE_FIELDS and (not math.isfinite(value) or value <= 0):
            problems.append((key, "must be a finite number greater than 0"))
    return checked, problems
