"""Recipes: one YAML per use case, validated by pydantic, with `extends` and `--set` overrides.

A recipe is data. Loading resolves `extends` (deep merge, child wins), makes every path absolute
relative to the file that named it, applies `--set key.path=value` overrides (values parsed as YAML,
then type-checked), and reports problems as `<file>:<line>: <key.path>: <message>`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from safety.config import SafetyConfig
from toolkit.errors import UserInputError

DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"

# Keys whose values are file paths, resolved relative to the recipe that names them.
PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("data", "sft", "path"),
    ("data", "preference", "path"),
    ("data", "eval_prompts", "path"),
    ("data", "qa", "path"),
    ("eval", "red_team"),
    ("eval", "over_refusal"),
    ("safety", "classifiers", "semantic_head"),
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ---------------------------------------------------------------- model
class LoraSettings(_Strict):
    enabled: bool = True
    r: int = Field(16, gt=0)
    alpha: int = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | Literal["all-linear"] = "all-linear"


class QuantizationSettings(_Strict):
    """4-bit loading through bitsandbytes; the names match transformers' BitsAndBytesConfig."""

    load_in_4bit: bool = False
    bnb_4bit_quant_type: Literal["nf4", "fp4"] = "nf4"
    bnb_4bit_compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    bnb_4bit_use_double_quant: bool = True


class ModelSettings(_Strict):
    name: str = Field(DEFAULT_MODEL, description="hub id, local path, or the embedded default's name")
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "float32"
    precision: Literal["auto", "fp32", "bf16-mixed"] = Field(
        "auto",
        description="CPU training precision: 'bf16-mixed' is bf16 autocast with LoRA deltas added in fp32 "
        "(see bench/RESULTS.md); 'auto' picks it on CPUs with native bf16 (AVX512-BF16/AMX) and fp32 elsewhere. "
        "GPUs follow `dtype`.",
    )
    trust_remote_code: bool = False
    lora: LoraSettings = Field(default_factory=LoraSettings)
    quantization: QuantizationSettings = Field(default_factory=QuantizationSettings)


# ---------------------------------------------------------------- data
class DataSource(_Strict):
    path: str = Field(description="file or folder, relative to the recipe; with format hf also a hub id")
    format: Literal["auto", "jsonl", "csv", "parquet", "hf"] = "auto"
    split: str | None = Field(None, description="split name when reading a Hugging Face dataset")


class SplitSettings(_Strict):
    eval_fraction: float = Field(0.1, ge=0, lt=1)
    seed: int = 42


class DataSettings(_Strict):
    sft: DataSource | None = None
    preference: DataSource | None = None
    eval_prompts: DataSource | None = None
    qa: DataSource | None = None
    split: SplitSettings = Field(default_factory=SplitSettings)


# ---------------------------------------------------------------- stages
class StageSettings(_Strict):
    """Hyper-parameters shared by every training stage; `trl` reaches any other TRL config field."""

    enabled: bool = True
    learning_rate: float = Field(1e-4, gt=0)
    num_train_epochs: float = Field(1.0, gt=0)
    max_steps: int = -1
    per_device_train_batch_size: int = Field(4, gt=0)
    per_device_eval_batch_size: int = Field(4, gt=0)
    gradient_accumulation_steps: int = Field(1, gt=0)
    max_length: int = Field(512, gt=0)
    logging_steps: int = Field(1, gt=0)
    save_steps: int = Field(50, gt=0)
    warmup_ratio: float = Field(0.0, ge=0, le=1)
    trl: dict[str, Any] = Field(default_factory=dict, description="passed verbatim to the TRL config")


class SFTStageSettings(StageSettings):
    learning_rate: float = Field(2e-4, gt=0)
    packing: bool = False
    assistant_only_loss: bool = True


class RewardStageSettings(StageSettings):
    center_rewards_coefficient: float | None = None


class CostStageSettings(StageSettings):
    sign_weight: float = Field(1.0, ge=0, description="weight of the sign term: safe below 0, unsafe above")


class DPOStageSettings(StageSettings):
    learning_rate: float = Field(5e-5, gt=0)
    beta: float = Field(0.1, gt=0)
    loss_type: list[str] = Field(default_factory=lambda: ["sigmoid"])
    safety_margin: float = Field(0.0, ge=0, description="extra margin for pairs whose rejected answer is unsafe")
    precompute_ref_log_probs: bool = False

    @field_validator("loss_type", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class StagesSettings(_Strict):
    sft: SFTStageSettings = Field(default_factory=SFTStageSettings)
    reward: RewardStageSettings = Field(default_factory=RewardStageSettings)
    cost: CostStageSettings = Field(default_factory=lambda: CostStageSettings(enabled=False))
    dpo: DPOStageSettings = Field(default_factory=DPOStageSettings)


# ---------------------------------------------------------------- eval, tracking
class EvalSettings(_Strict):
    enabled: bool = True
    max_new_tokens: int = Field(64, gt=0)
    num_prompts: int | None = Field(None, gt=0, description="cap on held-out prompts (None: all)")
    red_team: str | None = Field(None, description="CSV/JSONL of red-team prompts; None: the shipped set")
    over_refusal: str | None = Field(None, description="CSV/JSONL of benign risky-sounding prompts (XSTest format ok)")
    suites: list[str] = Field(default_factory=lambda: ["reward_accuracy", "win_rate", "safety", "over_refusal"])


class WandbSettings(_Strict):
    project: str = "safety-posttrain"
    entity: str | None = None
    mode: Literal["offline", "online", "disabled"] = "offline"
    tags: list[str] = Field(default_factory=list)


class TrackingSettings(_Strict):
    wandb: WandbSettings = Field(default_factory=WandbSettings)


# ---------------------------------------------------------------- recipe
class Recipe(_Strict):
    name: str
    description: str = ""
    extends: str | None = Field(None, description="parent recipe, relative to this file; deep-merged")
    use_case: str | None = None
    seed: int = 42
    output_dir: str = "runs"
    model: ModelSettings = Field(default_factory=ModelSettings)
    data: DataSettings = Field(default_factory=DataSettings)
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    stages: StagesSettings = Field(default_factory=StagesSettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)

    @field_validator("name")
    @classmethod
    def _name_is_a_folder_name(cls, value: str) -> str:
        if not value or any(c in value for c in "/\\ ") or value.startswith("."):
            raise ValueError("must be a non-empty name without spaces or slashes (it names the run folder)")
        return value


# ---------------------------------------------------------------- loading
Origins = dict[tuple[str, ...], tuple[str, int | None]]


def _line_map(node: yaml.Node, prefix: tuple[str, ...], where: str, out: Origins) -> None:
    """Record the 1-based line of every mapping key so errors can point into the file."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            out[path] = (where, key_node.start_mark.line + 1)
            _line_map(value_node, path, where, out)


def _read_yaml(path: Path) -> tuple[dict[str, Any], Origins]:
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(shown, "recipe file not found") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(shown, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UserInputError(f"{shown}{line}", f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserInputError(shown, "a recipe must be a YAML mapping")
    origins: Origins = {}
    if node is not None:
        _line_map(node, (), shown, origins)
    return data, origins


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _get(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _set(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        child = data.get(key)
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[keys[-1]] = value


def _resolve_paths(data: dict[str, Any], base_dir: Path) -> None:
    for keys in PATH_KEYS:
        value = _get(data, keys)
        if isinstance(value, str) and value and "://" not in value:
            candidate = Path(value).expanduser()
            if not candidate.is_absolute():
                candidate = base_dir / candidate
            # a Hugging Face dataset (format: hf) that is not a local folder is a hub id: keep it
            if keys[-1] == "path" and not candidate.exists() and _get(data, (*keys[:-1], "format")) == "hf":
                continue
            _set(data, keys, str(candidate.resolve()))


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Child values win; mappings merge key by key; lists and scalars are replaced whole."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _load_merged(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], Origins]:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(_display(p) for p in (*seen, path))
        raise UserInputError(_display(path), f"extends: cycle {chain}")
    data, origins = _read_yaml(path)
    _resolve_paths(data, path.parent)
    parent = data.get("extends")
    if parent is None:
        return data, origins
    if not isinstance(parent, str):
        where, line = origins.get(("extends",), (_display(path), None))
        raise UserInputError(f"{where}:{line}: extends", "must be a path to another recipe")
    parent_path = (path.parent / parent).resolve()
    if not parent_path.exists():
        where, line = origins[("extends",)]
        raise UserInputError(f"{where}:{line}: extends", f"parent recipe not found: {parent}")
    base, base_origins = _load_merged(parent_path, (*seen, path))
    base.pop("name", None)  # a child always names itself
    return deep_merge(base, data), {**base_origins, **origins}


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """`stages.dpo.beta=0.2` -> (('stages','dpo','beta'), 0.2); the value is parsed as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserInputError(f"--set {text}", "expected key.path=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise UserInputError(f"--set {key}", f"value is not valid YAML: {exc}") from None
    return tuple(part.strip() for part in key.strip().split(".")), value


def _where(origins: Origins, loc: tuple[str, ...], fallback: str) -> str:
    """The most precise `file:line` for a key path (its own line, else its nearest parent's)."""
    for end in range(len(loc), 0, -1):
        found = origins.get(loc[:end])
        if found:
            where, line = found
            return f"{where}:{line}" if line else where
    return fallback


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    """Read, merge, override and validate a recipe; every problem becomes a UserInputError."""
    path = Path(path)
    data, origins = _load_merged(path)
    for text in overrides or []:
        keys, value = parse_override(text)
        _set(data, keys, value)
        origins[keys] = ("--set", None)
    data.setdefault("name", path.stem)
    data.pop("extends", None)  # merged already: a resolved recipe stands alone
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(str(part) for part in error["loc"])
        field = ".".join(loc) or "(recipe)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise UserInputError(f"{_where(origins, loc, _display(path))}: {field}", message) from None


def recipe_errors(path: str | Path, overrides: list[str] | None = None) -> list[str]:
    """Every validation problem of a recipe as `where: field: message` lines (for `recipe validate`)."""
    path = Path(path)
    try:
        data, origins = _load_merged(path)
        for text in overrides or []:
            keys, value = parse_override(text)
            _set(data, keys, value)
            origins[keys] = ("--set", None)
    except UserInputError as exc:
        return [str(exc)]
    data.setdefault("name", path.stem)
    try:
        Recipe.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = tuple(str(part) for part in error["loc"])
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            lines.append(f"{_where(origins, loc, _display(path))}: {'.'.join(loc)}: {message}")
        return lines
    return []


def recipe_to_yaml(recipe: Recipe) -> str:
    """The fully resolved recipe as YAML (what `recipe show` prints and runs store)."""
    data = recipe.model_dump(mode="json", exclude={"extends"})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
