"""SFT stage: TRL's SFTTrainer on gated conversations, assistant-only loss for multi-turn chats."""

from __future__ import annotations

from typing import Any

from trl import SFTConfig, SFTTrainer
from trl.chat_template_utils import get_training_chat_template

from toolkit.recipe import Recipe
from toolkit.stages.base import StageInputs
from toolkit.stages.common import TrainerParts, build_trainer, sft_row

# ChatML as SmolLM2 renders it, with {% generation %} markers around what the assistant says
# (its end-of-turn token included, so the model learns to stop). Rendering is identical to the
# model's own template, so inference is unaffected.
CHATML_TRAINING_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}"
    "{% endif %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def training_chat_template(tokenizer: Any) -> str | None:
    """A template with generation markers: the model's own if it has them, TRL's patched one for
    known families, our ChatML one for ChatML models (SmolLM2); None if none applies."""
    template = tokenizer.chat_template or ""
    if "{% generation %}" in template or "{%- generation %}" in template:
        return None
    try:
        patched = get_training_chat_template(tokenizer)
    except (ValueError, KeyError):
        patched = None
    if patched:
        return patched
    if "<|im_start|>" in template:
        return CHATML_TRAINING_TEMPLATE
    return None


def sft_config_fields(settings: Any, tokenizer: Any) -> dict[str, Any]:
    """SFT's config fields; gives the tokenizer a template with generation markers for assistant-only loss."""
    assistant_only = settings.assistant_only_loss
    if assistant_only:
        template = training_chat_template(tokenizer)
        if template is not None:
            tokenizer.chat_template = template
        elif "generation" not in (tokenizer.chat_template or ""):
            assistant_only = False  # no way to mask: train on the whole conversation rather than fail
    return {"packing": settings.packing, "assistant_only_loss": assistant_only}


SFT_PARTS = TrainerParts("sft", SFTConfig, SFTTrainer, "CAUSAL_LM", sft_row, sft_config_fields)


def build_sft_trainer(recipe: Recipe, inputs: StageInputs) -> SFTTrainer:
    return build_trainer(recipe, inputs, SFT_PARTS)
