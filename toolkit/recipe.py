"""Recipes: one YAML per use case, validated by pydantic, with `extends` and `--set` overrides.

A recipe is data. Loading resolves `extends` (deep merge, child wins), makes every path absolute
relative to the file that named it, applies `--set key.path=value` overrides (values parsed as YAML,
then type-checked), and reports problems as `<file>:<line>: <key.path>: <message>`.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safety.config import SafetyConfig
from toolkit.core.errors import UserInputError
from toolkit.registry import SUITE_NAMES

DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
SuiteName = Literal[SUITE_NAMES]  # type: ignore[valid-type]

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
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


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


class MixtureSource(_Strict):
    """A file mixed into a stage's training data (e.g. the shipped safety mix), at a ratio."""

    path: str = Field(description="file, relative to the recipe (JSONL, CSV, Parquet)")
    kind: Literal["preference", "sft"] = Field(description="which data it joins: preference (reward, cost, dpo) or sft")
    weight: float = Field(
        gt=0,
        description="records taken per record of the recipe's own data of that kind (0.5: one for every two), "
        "capped at the file's size; sampled with data.split.seed. Without own data the whole file is used",
    )
    format: Literal["auto", "jsonl", "csv", "parquet"] = "auto"


class DataSettings(_Strict):
    sft: DataSource | None = None
    preference: DataSource | None = None
    eval_prompts: DataSource | None = None
    qa: DataSource | None = None
    mixture: list[MixtureSource] = Field(
        default_factory=list, description="files mixed into the training data, e.g. recipes/data/safety at a weight"
    )
    split: SplitSettings = Field(default_factory=SplitSettings)
    engine: Literal["local", "ray"] = Field(
        "local",
        description="what `toolkit gate --recipe` gates files with: 'local' (this process) or 'ray' (a Ray Data "
        "actor pool; the cluster comes from --address or RAY_ADDRESS, else a local Ray; needs the [scale] extra)",
    )


# ---------------------------------------------------------------- stages
class StageSettings(_Strict):
    """Hyper-parameters shared by every training stage; `trl` reaches any other TRL config field."""

    enabled: bool = True
    learning_rate: float = Field(1e-4, gt=0)
    num_train_epochs: float = Field(1.0, gt=0)
    max_steps: int = Field(-1, description="-1: train for num_train_epochs; else a positive number of steps")
    per_device_train_batch_size: int = Field(4, gt=0)
    per_device_eval_batch_size: int = Field(4, gt=0)
    gradient_accumulation_steps: int = Field(1, gt=0)
    max_length: int = Field(512, gt=0)
    logging_steps: int = Field(1, gt=0)
    save_steps: int = Field(50, gt=0)
    warmup_ratio: float = Field(0.0, ge=0, le=1)
    trl: dict[str, Any] = Field(default_factory=dict, description="passed verbatim to the TRL config")

    @field_validator("max_steps")
    @classmethod
    def _steps_or_epochs(cls, value: int) -> int:
        if value != -1 and value <= 0:
            raise ValueError("must be -1 (train for num_train_epochs) or a positive number of steps")
        return value


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


class RLStageSettings(StageSettings):
    """On-policy safe RLHF (GRPO): maximise reward - lambda*cost - gate penalty, lambda by dual ascent."""

    enabled: bool = False
    learning_rate: float = Field(1e-5, gt=0)
    per_device_train_batch_size: int = Field(4, gt=0, description="completions per step (a multiple of num_generations)")
    num_generations: int = Field(4, ge=2, description="completions sampled per prompt (the GRPO group)")
    max_completion_length: int = Field(64, gt=0)
    temperature: float = Field(1.0, gt=0)
    beta: float = Field(0.04, ge=0, description="KL coefficient against the starting policy")
    loss_type: Literal["grpo", "dapo", "dr_grpo", "bnpo"] = "dapo"
    reward_weight: float = Field(1.0, ge=0, description="weight of the reward model's score")
    cost_budget: float = Field(0.0, description="the constraint E[cost] <= cost_budget that lambda enforces")
    lambda_init: float = Field(1.0, ge=0)
    lambda_learning_rate: float = Field(0.05, ge=0, description="dual-ascent step size of lambda")
    lambda_max: float = Field(10.0, ge=0)
    gate_penalty: float = Field(2.0, ge=0, description="subtracted when the gate would quarantine a completion")
    rubric_weight: float = Field(0.0, ge=0, description="weight of the use-case rubric score (eval's checks), 0: off")
    max_prompts: int | None = Field(None, gt=0, description="cap on distinct training prompts")

    @model_validator(mode="after")
    def _group_fits_batch(self) -> RLStageSettings:
        if self.per_device_train_batch_size % self.num_generations:
            raise ValueError(
                f"per_device_train_batch_size ({self.per_device_train_batch_size}) must be a multiple of "
                f"num_generations ({self.num_generations})"
            )
        return self


class StagesSettings(_Strict):
    sft: SFTStageSettings = Field(default_factory=SFTStageSettings)
    reward: RewardStageSettings = Field(default_factory=RewardStageSettings)
    cost: CostStageSettings = Field(default_factory=lambda: CostStageSettings(enabled=False))
    dpo: DPOStageSettings = Field(default_factory=DPOStageSettings)
    rl: RLStageSettings = Field(default_factory=RLStageSettings)


# ---------------------------------------------------------------- eval, tracking
class JudgeSettings(_Strict):
    """A judge that did not train beside the policy (see toolkit/eval/judge.py)."""

    model: str = Field(description="hub id or local path of the judge model")
    kind: Literal["reward_model", "generative"] = Field(
        "reward_model", description="reward_model: sequence classifier, one logit; generative: causal LM rating 1-9"
    )
    trust_remote_code: bool = False


class EvalSettings(_Strict):
    enabled: bool = True
    max_new_tokens: int = Field(64, gt=0)
    num_prompts: int | None = Field(None, gt=0, description="cap on held-out prompts (None: all)")
    red_team: str | None = Field(None, description="CSV/JSONL of red-team prompts; None: the shipped set")
    over_refusal: str | None = Field(None, description="CSV/JSONL of benign risky-sounding prompts (XSTest format ok)")
    suites: list[SuiteName] = Field(
        default_factory=lambda: ["reward_accuracy", "win_rate", "safety", "over_refusal"],
        description="which eval suites run (toolkit/eval/suites/); an unknown name fails when the recipe loads",
    )
    judge: JudgeSettings | None = Field(None, description="extra judge of base vs tuned answers (reward model or LLM)")


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
Problem = tuple[str, str, str]  # (where, field, message)

# Keys only a recipe file may set, never --set: `extends` chooses which files are read, and
# `trust_remote_code` runs Python from a model's repository. Nothing reads them from the environment.
FILE_ONLY_KEYS: dict[str, str] = {
    "extends": "only a recipe file can set extends (it chooses which files are read), not --set; "
    "write a recipe that extends this one",
    "trust_remote_code": "only a recipe file can turn on trust_remote_code (it runs code from the model's "
    "repository), not --set or the environment",
}
MAX_DEPTH = 100  # nesting deeper than this is not a recipe


def _line_map(
    node: yaml.Node, prefix: tuple[str, ...], where: str, out: Origins, seen: set[int] | None = None
) -> None:
    """Record the 1-based line of every mapping key so errors can point into the file; refuse duplicate keys.

    An alias repeats a node: each node is visited once, so aliased documents stay linear.
    """
    seen = set() if seen is None else seen
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(node, prefix)]
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if len(path) > MAX_DEPTH:
            raise UserInputError(f"{where}:{current.start_mark.line + 1}", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(current, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key_node, value_node in current.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in first_line and key != "<<":
                    field = ".".join((*path, key))
                    raise UserInputError(f"{where}:{line}: {field}", f"duplicate key (first set on line {first_line[key]})")
                first_line[key] = line
                out[(*path, key)] = (where, line)
                stack.append((value_node, (*path, key)))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*path, str(index))) for index, item in enumerate(current.value))


MAX_EXPANDED_VALUES = 1_000_000


def _flow_depth(text: str) -> int:
    """The deepest `[`/`{` nesting in YAML text (quotes ignored: an over-estimate is harmless here).

    Checked before parsing: PyYAML recurses per level and needs seconds to fail on thousands of them.
    """
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values the document holds once its aliases are expanded (a billion laughs is refused)."""
    if id(node) not in memo:
        size = 1
        if isinstance(node, yaml.MappingNode):
            size += sum(_expanded_size(value, memo) for _, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size += sum(_expanded_size(item, memo) for item in node.value)
        memo[id(node)] = size
    return memo[id(node)]


def _read_yaml(path: Path) -> tuple[dict[str, Any], Origins]:
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(shown, "recipe file not found") from None
    except IsADirectoryError:
        raise UserInputError(shown, "is a folder; give a recipe YAML file") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(shown, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:  # permission denied, symlink loop, a device that cannot be read
        raise UserInputError(shown, f"cannot read the recipe: {exc.strerror or exc}") from None
    if ("[" in text or "{" in text) and _flow_depth(text) > MAX_DEPTH:
        raise UserInputError(shown, f"nested deeper than {MAX_DEPTH} levels")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        origins: Origins = {}
        if node is not None:
            _line_map(node, (), shown, origins)
            if _expanded_size(node, {}) > MAX_EXPANDED_VALUES:
                raise UserInputError(shown, f"YAML aliases expand to more than {MAX_EXPANDED_VALUES:,} values")
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UserInputError(f"{shown}{line}", f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise UserInputError(shown, "invalid YAML: nested too deeply") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserInputError(shown, "a recipe must be a YAML mapping")
    return data, origins


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # elsewhere, or a symlink loop
        return str(path)


def _resolved(path: Path) -> Path:
    """`path.resolve()`, with a symlink loop as a user error instead of a RuntimeError."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        raise UserInputError(str(path), "symlink loop: the path never reaches a file") from None


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
            try:
                _set(data, keys, str(candidate.resolve()))
            except (RuntimeError, OSError):  # a symlink loop: keep the path, the data check names it
                _set(data, keys, str(candidate))
    mixture = _get(data, ("data", "mixture"))
    if isinstance(mixture, list):  # list entries are not in PATH_KEYS: resolve each `path`
        for entry in mixture:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str) and entry["path"]:
                candidate = Path(entry["path"]).expanduser()
                candidate = candidate if candidate.is_absolute() else base_dir / candidate
                try:
                    entry["path"] = str(candidate.resolve())
                except (RuntimeError, OSError):
                    entry["path"] = str(candidate)


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
    path = _resolved(path)
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
    parent_path = _resolved(path.parent / parent)
    if not parent_path.exists():
        where, line = origins[("extends",)]
        raise UserInputError(f"{where}:{line}: extends", f"parent recipe not found: {parent}")
    base, base_origins = _load_merged(parent_path, (*seen, path))
    base.pop("name", None)  # a child always names itself
    return deep_merge(base, data), {**base_origins, **origins}


def _file_only_key(keys: tuple[str, ...], value: Any) -> str | None:
    """The first key of FILE_ONLY_KEYS an override would set, in its path or inside its value."""
    for key in keys:
        if key in FILE_ONLY_KEYS:
            return key
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                continue
            seen.add(id(item))
        if isinstance(item, dict):
            for key, child in item.items():
                if str(key) in FILE_ONLY_KEYS:
                    return str(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """`stages.dpo.beta=0.2` -> (('stages','dpo','beta'), 0.2); the value is parsed as YAML.

    Every problem is blamed on `--set`; keys only a recipe file may set (FILE_ONLY_KEYS) are refused.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserInputError(f"--set {text}", "expected key.path=value")
    keys = tuple(part.strip() for part in key.strip().split("."))
    if not all(keys):
        raise UserInputError(f"--set {key}", "empty part in the key path; expected key.path=value")
    if _flow_depth(raw) > MAX_DEPTH:
        raise UserInputError(f"--set {key.strip()}", f"value is nested deeper than {MAX_DEPTH} levels")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise UserInputError(f"--set {key}", f"value is not valid YAML: {exc}") from None
    except RecursionError:
        raise UserInputError(f"--set {key}", "value is nested too deeply") from None
    refused = _file_only_key(keys, value)
    if refused is not None:
        raise UserInputError(f"--set {key.strip()}", FILE_ONLY_KEYS[refused])
    return keys, value


def _apply_overrides(data: dict[str, Any], origins: Origins, overrides: list[str]) -> None:
    """Apply `--set` overrides; every key path an override creates or replaces is blamed on `--set`."""
    for text in overrides:
        keys, value = parse_override(text)
        for replaced in [loc for loc in origins if len(loc) > len(keys) and loc[: len(keys)] == keys]:
            del origins[replaced]  # the file's lines under this key no longer apply
        for end in range(1, len(keys) + 1):
            if end == len(keys) or not isinstance(_get(data, keys[:end]), dict):
                for longer in range(end, len(keys) + 1):
                    origins[keys[:longer]] = ("--set", None)
                break
        _set(data, keys, value)


def _where(origins: Origins, loc: tuple[str, ...], fallback: str) -> str:
    """The most precise `file:line` for a key path (its own line, else its nearest parent's)."""
    for end in range(len(loc), 0, -1):
        found = origins.get(loc[:end])
        if found:
            where, line = found
            return f"{where}:{line}" if line else where
    return fallback


def _non_finite_numbers(data: Any) -> list[tuple[str, ...]]:
    """Key paths of inf/nan values anywhere in the recipe: no knob takes an infinite number."""
    found: list[tuple[str, ...]] = []
    seen: set[int] = set()  # YAML aliases share containers: visit each once
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            found.append(path)
            continue
        if not isinstance(item, (dict, list)) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            stack.extend((child, (*path, str(key))) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, (*path, str(index))) for index, child in enumerate(item))
    return sorted(found)


def _problems(data: dict[str, Any], origins: Origins, path: Path) -> tuple[Recipe | None, list[Problem]]:
    """Validate merged data: the pydantic schema, finite numbers, and each stage's `trl:` against TRL."""
    from toolkit.trl_fields import STAGE_CONFIGS, check_trl_mapping

    fallback = _display(path)
    problems: list[Problem] = []
    for loc in _non_finite_numbers(data):
        problems.append((_where(origins, loc, fallback), ".".join(loc), "must be a finite number"))
    for stage in STAGE_CONFIGS:
        mapping = _get(data, ("stages", stage, "trl"))
        if isinstance(mapping, dict) and mapping:
            checked, trl_problems = check_trl_mapping(stage, mapping)
            data["stages"][stage]["trl"] = checked
            for key, message in trl_problems:
                loc = ("stages", stage, "trl", key)
                problems.append((_where(origins, loc, fallback), ".".join(loc), message))
    recipe = None
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        reported = {problem[1] for problem in problems}
        for error in exc.errors():
            loc = tuple(str(part) for part in error["loc"])
            field = ".".join(loc) or "(recipe)"
            if field in reported:
                continue
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
            problems.append((_where(origins, loc, fallback), field, message))
    return (recipe if not problems else None), problems


def _merged_with_overrides(path: Path, overrides: list[str]) -> tuple[dict[str, Any], Origins]:
    data, origins = _load_merged(path)
    _apply_overrides(data, origins, overrides)
    data.setdefault("name", path.stem)
    data.pop("extends", None)  # merged already: a resolved recipe stands alone
    return data, origins


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    """Read, merge, override and validate a recipe; every problem becomes a UserInputError."""
    path = Path(path)
    data, origins = _merged_with_overrides(path, list(overrides or []))
    recipe, problems = _problems(data, origins, path)
    if problems:
        where, field, message = problems[0]
        if len(problems) > 1:
            more = len(problems) - 1
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise UserInputError(f"{where}: {field}", message)
    assert recipe is not None
    return recipe


def recipe_errors(path: str | Path, overrides: list[str] | None = None) -> list[str]:
    """Every validation problem of a recipe as `where: field: message` lines (for `recipe validate`)."""
    path = Path(path)
    try:
        data, origins = _merged_with_overrides(path, list(overrides or []))
    except UserInputError as exc:
        return [str(exc)]
    _, problems = _problems(data, origins, path)
    return [f"{where}: {field}: {message}" for where, field, message in problems]


def recipe_to_yaml(recipe: Recipe) -> str:
    """The fully resolved recipe as YAML (what `recipe show` prints and runs store)."""
    data = recipe.model_dump(mode="json", exclude={"extends"})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def load_safety_config(recipe_path: str | Path | None) -> SafetyConfig:
    """The recipe's `safety` block, or the defaults without a recipe (`toolkit gate`, `safety`, `synth`, ...)."""
    return SafetyConfig() if recipe_path is None else load_recipe(recipe_path).safety


def load_use_case(recipe_path: str | Path | None) -> str | None:
    """The recipe's `use_case` (for records that do not name one), if any."""
    return None if recipe_path is None else load_recipe(recipe_path).use_case
