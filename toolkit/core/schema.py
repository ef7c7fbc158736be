"""Canonical record types: the one place every package takes its data shapes from.

Prompt, chosen and rejected may be plain strings (TRL's standard format) or lists of chat
messages (TRL's conversational format); both pass through to TRL unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["system", "user", "assistant"]
DataKind = Literal["preference", "sft", "qa", "prompt"]
DATA_KINDS: tuple[str, ...] = ("preference", "sft", "qa", "prompt")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Message(_Record):
    """One chat turn."""

    role: Role
    content: str

    @field_validator("content")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content is empty")
        return value


Turns = str | list[Message]


def _check_turns(value: Turns) -> Turns:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("text is empty")
    elif not value:
        raise ValueError("no messages")
    return value


def plain_turns(value: Turns) -> str | list[dict[str, str]]:
    """Turns as TRL, chat templates and JSON take them: the text, or a list of role/content dicts."""
    if isinstance(value, str):
        return value
    return [m.model_dump() if isinstance(m, Message) else dict(m) for m in value]


def turns_text(value: Turns) -> str:
    """The text content of a string or message list, turns joined by newlines (for hashing, scoring)."""
    if isinstance(value, str):
        return value
    return "\n".join(m.content for m in value)


def normalise_text(text: str) -> str:
    """Lower-case and collapse white space: the key for near-duplicate detection."""
    return " ".join(text.lower().split())


class Annotator(_Record):
    id: str
    expertise: str | None = None


class SafetyLabels(_Record):
    """Safety labels. `chosen_safe` / `rejected_safe` are human labels and win over classifiers in the
    gates; `prompt_harmful` / `prompt_categories` describe the request (set by a dataset or by the
    gate) and never remove a record on their own: the answer that would be learned decides."""

    chosen_safe: bool | None = None
    rejected_safe: bool | None = None
    harm_categories: list[str] = Field(default_factory=list)
    prompt_harmful: bool | None = Field(None, description="the prompt (or an earlier turn, or a retrieved passage) asks for harm")
    prompt_categories: list[str] = Field(default_factory=list, description="taxonomy categories found in the prompt")
    better: Literal["chosen", "rejected"] | None = Field(
        None,
        description="which answer the helpfulness preference picks, when the pair is ordered by safety "
        "(PKU-SafeRLHF --prefer safer); the reward stage trains on this order, as Safe-RLHF does",
    )


class PreferencePair(_Record):
    id: str
    use_case: str
    prompt: Turns
    chosen: Turns
    rejected: Turns
    annotator: Annotator | None = None
    rationale: str | None = None
    labels: SafetyLabels | None = None
    margin: float | None = None
    source: Literal["human", "synthetic"] = "human"
    created_at: datetime | None = None
    rejected_unsafe: bool | None = Field(
        default=None, description="Set by the safety gate: the rejected answer is unsafe (DPO safety margin)."
    )
    chosen_unsafe: bool | None = Field(
        default=None, description="Set by the reward/cost gates when both answers are unsafe and the pair is kept."
    )
    meta: dict[str, Any] = Field(default_factory=dict)

    _turns = field_validator("prompt", "chosen", "rejected")(_check_turns)

    @model_validator(mode="after")
    def _chosen_differs(self) -> PreferencePair:
        if normalise_text(turns_text(self.chosen)) == normalise_text(turns_text(self.rejected)):
            raise ValueError("chosen is identical to rejected")
        return self


class SFTConversation(_Record):
    id: str
    use_case: str
    messages: list[Message]
    source: Literal["human", "synthetic"] = "human"
    labels: SafetyLabels | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("messages")
    @classmethod
    def _has_assistant(cls, value: list[Message]) -> list[Message]:
        if not value:
            raise ValueError("no messages")
        if not any(m.role == "assistant" for m in value):
            raise ValueError("no assistant message to learn from")
        return value


class QAItem(_Record):
    id: str
    use_case: str = "help_center_qa"
    question: str
    answer: str
    contexts: list[str] = Field(default_factory=list)
    context_quality: Literal["good", "bad"] = "good"
    meta: dict[str, Any] = Field(default_factory=dict)

    @field_validator("question", "answer")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class PromptRecord(_Record):
    """A held-out prompt for generation (eval prompts, red-team prompts, over-refusal prompts)."""

    id: str
    use_case: str = "general"
    prompt: Turns
    category: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    _turns = field_validator("prompt")(_check_turns)


Record = PreferencePair | SFTConversation | QAItem | PromptRecord

RECORD_TYPES: dict[str, type[_Record]] = {
    "preference": PreferencePair,
    "sft": SFTConversation,
    "qa": QAItem,
    "prompt": PromptRecord,
}


def record_type(kind: str) -> type[_Record]:
    """The pydantic model for a data kind name."""
    from toolkit.core.errors import UserInputError

    try:
        return RECORD_TYPES[kind]
    except KeyError:
        raise UserInputError("--kind", f"unknown data kind {kind!r}; use one of {', '.join(DATA_KINDS)}") from None
