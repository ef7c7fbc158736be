"""The CPU precision profile: when bf16 autocast is chosen, and why LoRA deltas are summed in fp32."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from trl import DPOConfig

from toolkit.core import hardware
from toolkit.core.errors import UserInputError
from toolkit.recipe import Recipe
from toolkit.stages import common
from toolkit.stages.common import add_lora_deltas_in_fp32, build_trl_config, cpu_mixed_precision


def _recipe(precision: str | None = None, trl: dict | None = None) -> Recipe:
    model: dict = {"name": "unused-model-dir"}
    if precision is not None:
        model["precision"] = precision
    return Recipe.model_validate({"name": "p", "model": model, "stages": {"dpo": {"trl": trl or {}}}})


def _dpo_config(recipe: Recipe, tmp_path: Path) -> DPOConfig:
    return build_trl_config(DPOConfig, recipe, "dpo", recipe.stages.dpo, tmp_path, [], "run")


@pytest.fixture
def on_cpu(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(common, "accelerator_kind", lambda: "cpu")
    return monkeypatch


@pytest.mark.parametrize(("native_bf16", "expected"), [(True, True), (False, False)])
def test_auto_precision_uses_bf16_autocast_only_on_cpus_with_native_bf16(
    on_cpu: pytest.MonkeyPatch, tmp_path: Path, native_bf16: bool, expected: bool
) -> None:
    on_cpu.setattr(hardware, "cpu_bf16_supported", lambda: native_bf16)
    recipe = _recipe()
    assert recipe.model.precision == "auto"
    assert cpu_mixed_precision(recipe) is expected
    config = _dpo_config(recipe, tmp_path)
    assert config.bf16 is expected
    assert config.gradient_checkpointing is False


def test_fp32_precision_keeps_bf16_off_even_on_bf16_hardware(on_cpu: pytest.MonkeyPatch, tmp_path: Path) -> None:
    on_cpu.setattr(hardware, "cpu_bf16_supported", lambda: True)
    assert _dpo_config(_recipe("fp32"), tmp_path).bf16 is False


def test_trl_mapping_still_overrides_the_precision_profile(on_cpu: pytest.MonkeyPatch, tmp_path: Path) -> None:
    on_cpu.setattr(hardware, "cpu_bf16_supported", lambda: True)
    assert _dpo_config(_recipe("bf16-mixed", trl={"bf16": False}), tmp_path).bf16 is False


def test_gpu_ignores_the_cpu_precision_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "accelerator_kind", lambda: "cuda")
    assert cpu_mixed_precision(_recipe("bf16-mixed")) is False


def test_recipe_rejects_an_unknown_precision_with_its_line(tmp_path: Path) -> None:
    from toolkit.recipe import load_recipe

    path = tmp_path / "r.yaml"
    path.write_text("name: r\nmodel:\n  precision: fp8\n", encoding="utf-8")
    with pytest.raises(UserInputError) as caught:
        load_recipe(path)
    assert ":3: model.precision" in str(caught.value)


def _lora_layer() -> torch.nn.Module:
    """One LoRA-wrapped linear layer whose base output is large and whose delta is tiny."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(64, 64))
    with torch.no_grad():
        base[0].weight.normal_(0, 1.0)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=4, target_modules=["0"], lora_dropout=0.0))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.fill_(1e-4)  # a young adapter: far below half a bf16 step of the base output
    return model


def _adapter_effect(model: torch.nn.Module, x: torch.Tensor) -> float:
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        with_adapter = model(x).float()
        with model.disable_adapter():
            without = model(x).float()
    return float((with_adapter - without).abs().mean())


def test_bf16_autocast_hides_a_young_lora_delta_unless_it_is_summed_in_fp32() -> None:
    x = torch.randn(8, 64)
    model = _lora_layer()
    with torch.no_grad():
        with model.disable_adapter():
            base_out = model(x)
        fp32_effect = float((model(x) - base_out).abs().mean())
    assert fp32_effect > 0
    assert _adapter_effect(model, x) < 0.1 * fp32_effect  # rounded away: the forward cannot see training
    assert add_lora_deltas_in_fp32(model) == 1
    assert add_lora_deltas_in_fp32(model) == 0  # idempotent: one hook per layer
    assert _adapter_effect(model, x) == pytest.approx(fp32_effect, rel=0.05)


def test_fp32_delta_hook_changes_nothing_outside_autocast() -> None:
    x = torch.randn(4, 64)
    model = _lora_layer()
    with torch.no_grad():
        before = model(x)
        add_lora_deltas_in_fp32(model)
        after = model(x)
    assert after.dtype == torch.float32
    assert torch.equal(before, after)


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "expected"), [(False, False, False), (True, False, True), (False, True, True)]
)
def test_native_bf16_is_the_instruction_set_not_onednns_emulation(
    monkeypatch: pytest.MonkeyPatch, avx512_bf16: bool, amx: bool, expected: bool
) -> None:
    """An Ice Lake Xeon (AVX-512 without AVX512-BF16): oneDNN says bf16 is supported, but it emulates it
    and bf16 autocast ran 3.8x slower than fp32; 'auto' must pick fp32 there."""
    import platform

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert hardware.cpu_bf16_supported() is expected
    assert hardware.bf16_autocast_on_cpu("auto") is expected
    assert hardware.bf16_autocast_on_cpu("bf16-mixed") is True
    assert hardware.bf16_autocast_on_cpu("fp32") is False
