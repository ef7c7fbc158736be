"""The model resolver, the embedded default model, LoRA / QLoRA configs and the tiny test model."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.tiny_model import build_tiny_model
from toolkit import models
from toolkit.core.errors import UserInputError
from toolkit.models import (
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    PREPARED_MARKER,
    bnb_config,
    list_models,
    load_causal_lm,
    load_sequence_classifier,
    load_tokenizer,
    peft_lora_config,
    prepare_model,
    resolve_dtype,
    resolve_model,
    toolkit_home,
)
from toolkit.recipe import LoraSettings, ModelSettings, QuantizationSettings

SMOLLM2_VOCAB_SIZE = 49152
CHAT = [{"role": "user", "content": "What is the capital of France?"}]


def _fake_hub_cache(cache: Path, repo_id: str, model_dir: Path) -> Path:
    """A Hugging Face cache laid out as huggingface_hub writes it (blobs, refs, symlinked snapshot)."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    snapshot.mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    for file in ("config.json", "tokenizer_config.json"):
        blob = repo / "blobs" / f"blob-{file}"
        shutil.copy(model_dir / file, blob)
        (snapshot / file).symlink_to(Path("../../blobs") / blob.name)
    return snapshot


# ---------------------------------------------------------------- tiny model
def test_tiny_model_has_smollm2_vocabulary_and_chat_template(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    config = json.loads((tiny_model_dir / "config.json").read_text())

    assert len(tokenizer) == SMOLLM2_VOCAB_SIZE
    assert config["vocab_size"] == SMOLLM2_VOCAB_SIZE
    assert (config["num_hidden_layers"], config["hidden_size"], config["num_key_value_heads"]) == (2, 64, 2)
    assert config["tie_word_embeddings"] is True
    prompt = tokenizer.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    assert prompt.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
    assert prompt.endswith(
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    )
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token is not None


def test_tiny_model_forward_pass_gives_a_finite_loss_over_the_vocabulary(tiny_model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32)
    batch = tokenizer.apply_chat_template(
        CHAT, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )

    output = model(**batch, labels=batch["input_ids"])

    assert output.logits.shape == (1, batch["input_ids"].shape[1], SMOLLM2_VOCAB_SIZE)
    assert torch.isfinite(output.loss)
    output.loss.backward()
    assert model.model.embed_tokens.weight.grad is not None


def test_build_tiny_model_is_deterministic(
    tiny_model_dir: Path, smollm2_tokenizer_dir: Path, tmp_path: Path
) -> None:
    again = build_tiny_model(tmp_path / "again", tokenizer_source=str(smollm2_tokenizer_dir))
    first = AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict()
    second = AutoModelForCausalLM.from_pretrained(again).state_dict()

    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)


# ---------------------------------------------------------------- resolving
def test_resolve_model_returns_absolute_path_of_local_folder(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tiny_model_dir.parent)

    assert resolve_model(tiny_model_dir.name) == str(tiny_model_dir.resolve())


@pytest.mark.parametrize(
    "missing", ["./no-such-model", "runs/x/sft/final", "/nowhere/model", "~/no-such-model"]
)
def test_resolve_model_rejects_local_looking_path_that_does_not_exist(missing: str) -> None:
    with pytest.raises(UserInputError, match="local model folder not found") as raised:
        resolve_model(missing)
    assert raised.value.where == "model.name"


def test_resolve_model_rejects_a_file(tiny_model_dir: Path) -> None:
    with pytest.raises(UserInputError, match="is a file"):
        resolve_model(str(tiny_model_dir / "config.json"))


def test_resolve_model_unknown_hub_id_offline_names_the_embedded_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))

    with pytest.raises(UserInputError) as raised:
        resolve_model("nobody-here/does-not-exist")

    assert raised.value.where == "model.name"
    assert "cannot resolve 'nobody-here/does-not-exist' offline" in raised.value.message
    assert f"known embedded models: {DEFAULT_MODEL}" in raised.value.message


def test_resolve_model_offline_uses_the_cached_hub_snapshot(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = _fake_hub_cache(tmp_path / "hub", "acme/tiny-chat", tiny_model_dir)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))

    assert Path(resolve_model("acme/tiny-chat")) == snapshot


def test_resolve_model_online_keeps_the_hub_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setattr(models, "_hub_reachable", lambda: True)

    assert resolve_model("acme/tiny-chat") == "acme/tiny-chat"


def test_resolve_model_when_hub_is_unreachable_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", False)
    monkeypatch.setattr(models, "_hub_reachable", lambda: False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))

    with pytest.raises(UserInputError, match="the Hugging Face Hub is unreachable"):
        resolve_model("acme/tiny-chat")


# ---------------------------------------------------------------- listing and atomic folders
def test_list_models_shows_unprepared_embedded_model_local_folders_and_hub_cache(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    shutil.copytree(tiny_model_dir, home / "models" / "my-tiny")
    _fake_hub_cache(tmp_path / "hub", "acme/tiny-chat", tiny_model_dir)
    monkeypatch.setenv("TOOLKIT_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))

    found = {info.name: info for info in list_models()}

    embedded = found[DEFAULT_MODEL]
    assert (embedded.source, embedded.prepared) == ("embedded", False)
    assert embedded.path.name == EMBEDDED_MODELS[DEFAULT_MODEL].gguf_file
    assert embedded.size_bytes == embedded.path.stat().st_size
    assert (found["my-tiny"].source, found["my-tiny"].prepared) == ("local", True)
    assert found["my-tiny"].size_bytes > 1_000_000
    assert (found["acme/tiny-chat"].source, found["acme/tiny-chat"].prepared) == ("hub-cache", True)


def test_atomic_directory_replaces_old_folder_and_leaves_no_temp_folders(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")

    with models._atomic_directory(target) as scratch:
        (scratch / "new.txt").write_text("new")

    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_atomic_directory_keeps_old_folder_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")

    with pytest.raises(RuntimeError), models._atomic_directory(target) as scratch:
        (scratch / "half.txt").write_text("half")
        raise RuntimeError("disk full")

    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


# ---------------------------------------------------------------- loading
def test_load_tokenizer_uses_eos_as_pad_when_missing(tiny_model_dir: Path, tmp_path: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.pad_token = None
    tokenizer.save_pretrained(tmp_path / "no-pad")

    loaded = load_tokenizer(str(tmp_path / "no-pad"))

    assert loaded.pad_token == loaded.eos_token == "<|im_end|>"


def test_resolve_dtype_auto_is_float32_without_cuda_and_bfloat16_with_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_dtype("auto") is torch.float32
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    assert resolve_dtype("auto") is torch.bfloat16
    assert resolve_dtype("float16") is torch.float16


def test_load_causal_lm_loads_local_weights_in_the_recipe_dtype(tiny_model_dir: Path) -> None:
    model = load_causal_lm(ModelSettings(name=str(tiny_model_dir), dtype="bfloat16"))

    assert model.dtype is torch.bfloat16
    assert model.config.vocab_size == SMOLLM2_VOCAB_SIZE


def test_load_sequence_classifier_scores_padded_batches_with_pad_id_from_tokenizer(
    tiny_model_dir: Path,
) -> None:
    tokenizer = load_tokenizer(str(tiny_model_dir))
    model = load_sequence_classifier(ModelSettings(name=str(tiny_model_dir)), num_labels=2)
    batch = tokenizer(
        ["a short answer", "a much longer answer with several more words"], padding=True, return_tensors="pt"
    )

    scores = model(**batch).logits

    assert model.config.pad_token_id == tokenizer.pad_token_id
    assert scores.shape == (2, 2)


def test_bnb_config_is_none_unless_4bit_is_requested() -> None:
    assert bnb_config(ModelSettings()) is None


def test_bnb_config_on_cpu_is_a_clear_user_error(
    monkeypatch: pytest.MonkeyPatch, tiny_model_dir: Path
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    settings = ModelSettings(name=str(tiny_model_dir), quantization=QuantizationSettings(load_in_4bit=True))

    with pytest.raises(UserInputError) as raised:
        bnb_config(settings)
    assert raised.value.where == "model.quantization.load_in_4bit"
    assert "needs a CUDA GPU" in raised.value.message
    with pytest.raises(UserInputError, match="needs a CUDA GPU"):
        load_causal_lm(settings)


def test_bnb_config_carries_the_recipe_quantization_settings_on_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    quantization = QuantizationSettings(
        load_in_4bit=True, bnb_4bit_quant_type="fp4", bnb_4bit_compute_dtype="float16"
    )

    config = bnb_config(ModelSettings(quantization=quantization))

    assert config is not None and config.load_in_4bit
    assert config.bnb_4bit_quant_type == "fp4"
    assert config.bnb_4bit_compute_dtype is torch.float16
    assert config.bnb_4bit_use_double_quant is True


# ---------------------------------------------------------------- LoRA
def test_peft_lora_config_is_none_when_lora_is_disabled() -> None:
    assert peft_lora_config(ModelSettings(lora=LoraSettings(enabled=False)), "CAUSAL_LM") is None


def test_peft_lora_config_passes_recipe_values_and_explicit_targets() -> None:
    lora = LoraSettings(r=4, alpha=8, dropout=0.0, target_modules=["q_proj", "v_proj"])

    config = peft_lora_config(ModelSettings(lora=lora), "CAUSAL_LM")

    assert (config.r, config.lora_alpha, config.lora_dropout) == (4, 8, 0.0)
    assert set(config.target_modules) == {"q_proj", "v_proj"}
    assert config.modules_to_save is None


def test_peft_all_linear_adapts_every_projection_of_the_tiny_causal_lm(tiny_model_dir: Path) -> None:
    from peft import get_peft_model

    settings = ModelSettings(name=str(tiny_model_dir))
    config = peft_lora_config(settings, "CAUSAL_LM")
    assert config.target_modules == "all-linear"

    model = get_peft_model(load_causal_lm(settings), config)

    adapted = {name.split(".")[-1] for name, module in model.named_modules() if hasattr(module, "lora_A")}
    trainable = [name for name, param in model.named_parameters() if param.requires_grad]
    assert adapted == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
    assert trainable and all("lora_" in name for name in trainable)


def test_peft_seq_cls_config_trains_the_score_head_in_full(tiny_model_dir: Path) -> None:
    from peft import get_peft_model

    settings = ModelSettings(name=str(tiny_model_dir))
    config = peft_lora_config(settings, "SEQ_CLS")

    model = get_peft_model(load_sequence_classifier(settings), config)

    trainable = [name for name, param in model.named_parameters() if param.requires_grad]
    assert "score" in config.modules_to_save
    assert any(name.endswith("score.modules_to_save.default.weight") for name in trainable)
    assert not any("score" in name and "lora_" in name for name in trainable)


# ---------------------------------------------------------------- the real embedded model
@pytest.fixture(scope="module")
def fresh_toolkit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("toolkit-home")


@pytest.fixture(scope="module")
def freshly_prepared(fresh_toolkit_home: Path) -> tuple[Path, float]:
    """The embedded model dequantized from scratch into an empty TOOLKIT_HOME, and how long it took."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOOLKIT_HOME", str(fresh_toolkit_home))
        started = time.perf_counter()
        folder = prepare_model(show_progress=False)
        return folder, time.perf_counter() - started


@pytest.mark.real_model
def test_prepare_model_dequantizes_the_gguf_into_trainable_safetensors(
    freshly_prepared: tuple[Path, float], fresh_toolkit_home: Path
) -> None:
    folder, _seconds = freshly_prepared
    config = json.loads((folder / "config.json").read_text())

    assert folder == fresh_toolkit_home / "models" / "smollm2-135m-instruct"
    assert {
        "model.safetensors",
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        PREPARED_MARKER,
    } <= {p.name for p in folder.iterdir()}
    assert "quantization_config" not in config
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temp folders left behind
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    assert getattr(model, "hf_quantizer", None) is None  # what Trainer checks before refusing to train
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(134.5e6, rel=0.01)
    input_ids = torch.tensor([[1, 9690, 198, 19556, 2]])
    model(input_ids=input_ids, labels=input_ids).loss.backward()
    assert model.model.layers[0].self_attn.q_proj.weight.grad is not None


@pytest.mark.real_model
def test_prepared_tokenizer_has_the_smollm2_chat_template(freshly_prepared: tuple[Path, float]) -> None:
    folder, _seconds = freshly_prepared
    tokenizer = AutoTokenizer.from_pretrained(folder)

    prompt = tokenizer.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)

    assert prompt.startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
    assert prompt.endswith("<|im_start|>assistant\n")
    assert (tokenizer.eos_token, tokenizer.pad_token, len(tokenizer)) == (
        "<|im_end|>",
        "<|im_end|>",
        SMOLLM2_VOCAB_SIZE,
    )


@pytest.mark.real_model
def test_prepare_model_second_call_reuses_the_folder_without_work(
    freshly_prepared: tuple[Path, float], fresh_toolkit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _seconds = freshly_prepared
    weights_written_at = (folder / "model.safetensors").stat().st_mtime_ns
    monkeypatch.setenv("TOOLKIT_HOME", str(fresh_toolkit_home))

    def must_not_run(*args: object) -> None:
        raise AssertionError("prepare_model converted the GGUF again")

    monkeypatch.setattr(models, "_materialise", must_not_run)

    assert prepare_model() == folder
    assert resolve_model(DEFAULT_MODEL) == str(folder)
    assert resolve_model("smollm2-135m-instruct") == str(folder)
    assert (folder / "model.safetensors").stat().st_mtime_ns == weights_written_at


@pytest.mark.real_model
def test_embedded_model_answers_a_chat_prompt_sensibly() -> None:
    """Uses the user's TOOLKIT_HOME, so the prepared model is reused between runs."""
    tokenizer = load_tokenizer(DEFAULT_MODEL)
    model = load_causal_lm(ModelSettings())
    batch = tokenizer.apply_chat_template(
        CHAT, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )

    generated = model.generate(**batch, max_new_tokens=8, do_sample=False)
    answer = tokenizer.decode(generated[0, batch["input_ids"].shape[1] :], skip_special_tokens=True)

    assert resolve_model(DEFAULT_MODEL) == str(toolkit_home() / "models" / "smollm2-135m-instruct")
    assert "Paris" in answer
