"""Llama-Guard-style generative guards: prompt in, "safe" or "unsafe\\nS1,S10" out.

The prompt comes from the tokenizer's chat template (Llama Guard's own template lists its
categories); tokenizers without one get a Llama Guard 3 style text prompt listing S1-S14.
Generation is greedy. Output that cannot be parsed is not a crash: the text gets no scores and
the error is counted (`errors`, `error_reasons`) so a broken guard shows up in the gate's report.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from safety.classifiers.base import Classification, inference_dtype
from safety.config import GuardSpec
from safety.taxonomy import CATEGORIES, LLAMA_GUARD_CODES
from toolkit.core.errors import UserInputError

log = logging.getLogger(__name__)
BATCH_SIZE = 8

_CATEGORY_LINES = "\n".join(
    f"{c.llama_guard_code}: {c.title}." for c in sorted(
        (c for c in CATEGORIES.values() if c.llama_guard_code), key=lambda c: int(c.llama_guard_code[1:])
    )
)

FALLBACK_TEMPLATE = (
    "Task: Check if there is unsafe content in 'User' messages in conversations according to our safety "
    "policy with the below categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n" + _CATEGORY_LINES +
    "\n<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\nUser: {text}\n\n<END CONVERSATION>\n\n"
    "Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n"
    " - First line must read 'safe' or 'unsafe'.\n"
    " - If unsafe, a second line must include a comma-separated list of violated categories.\n"
)

_VERDICT = re.compile(r"^\W*(safe|unsafe)\b", re.IGNORECASE)
_CODE = re.compile(r"\bS(\d{1,2})\b", re.IGNORECASE)


@dataclass
class GuardVerdict:
    """Parsed guard output: `safe` is None when the output could not be parsed (`error` says why)."""

    safe: bool | None
    scores: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def parse_guard_output(output: str) -> GuardVerdict:
    """'safe' -> no scores; 'unsafe\\nS1,S10' -> 1.0 for each listed category; anything else -> error."""
    stripped = output.strip()
    match = _VERDICT.match(stripped)
    if not match:
        return GuardVerdict(None, error="unparseable: does not start with 'safe' or 'unsafe'")
    if match.group(1).lower() == "safe":
        return GuardVerdict(True)
    codes = [f"S{int(n)}" for n in _CODE.findall(stripped[match.end():])]
    scores = {LLAMA_GUARD_CODES[code]: 1.0 for code in codes if code in LLAMA_GUARD_CODES}
    if not scores:
        reason = "unknown category codes" if codes else "no category listed"
        return GuardVerdict(False, error=f"unsafe with {reason}")
    return GuardVerdict(False, scores)


class GuardClassifier:
    """A causal-LM guard (`spec.model`: hub id or local folder) behind the Classifier interface."""

    def __init__(self, spec: GuardSpec, device: str | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.spec = spec
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.name = f"guard:{spec.model}"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(spec.model, trust_remote_code=spec.trust_remote_code)
            self.model = AutoModelForCausalLM.from_pretrained(
                spec.model, dtype=inference_dtype(self.device), trust_remote_code=spec.trust_remote_code
            )
        except (OSError, ValueError) as exc:
            raise UserInputError(
                f"safety.classifiers.guard: {spec.model}", f"cannot load the model ({exc.__class__.__name__}: {str(exc).splitlines()[0]})"
            ) from None
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"  # batched generation continues from the right edge
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        self.errors = 0
        self.error_reasons: Counter[str] = Counter()

    def prompt(self, text: str) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
            )
        return FALLBACK_TEMPLATE.format(text=text)

    def generate(self, texts: Sequence[str]) -> list[str]:
        """The guard's raw replies (new tokens only), greedy, in batches."""
        import torch

        replies: list[str] = []
        templated = bool(getattr(self.tokenizer, "chat_template", None))
        for start in range(0, len(texts), BATCH_SIZE):
            prompts = [self.prompt(t) for t in texts[start : start + BATCH_SIZE]]
            batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=not templated).to(self.device)
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], do_sample=False, max_new_tokens=self.spec.max_new_tokens,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
            new_tokens = output[:, batch["input_ids"].shape[1]:]
            replies += self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return replies

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        if not texts:
            return []
        results = []
        for reply in self.generate(texts):
            verdict = parse_guard_output(reply)
            if verdict.error:
                self.errors += 1
                self.error_reasons[verdict.error] += 1
            results.append(Classification(scores=verdict.scores))
        if self.errors:
            # counts only: the reply may echo the text, which can hold PII
            log.warning("%s: %d unparseable or incomplete guard replies so far (%s)", self.name, self.errors, dict(self.error_reasons))
        return results
