"""Any Hugging Face sequence-classification model as a tier, its labels mapped onto the taxonomy.

Softmax over labels for single-label models, sigmoid per label for multi-label ones (the model
config's `problem_type`). Unmapped labels are ignored; several labels mapped onto one category
keep the highest score. Remote code runs only when the recipe says `trust_remote_code: true`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from safety.classifiers.base import Classification, inference_dtype
from safety.config import HFClassifierSpec
from safety.taxonomy import CATEGORY_IDS, map_external_category
from toolkit.core.errors import UserInputError

MAX_LENGTH = 512


class HFSequenceClassifier:
    """`spec.model` (hub id or local folder) scored in batches of `spec.batch_size`."""

    def __init__(self, spec: HFClassifierSpec, device: str | None = None):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.spec = spec
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.name = f"hf:{spec.model}"
        where = f"safety.classifiers.hf: {spec.model}"
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(spec.model, trust_remote_code=spec.trust_remote_code)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                spec.model, dtype=inference_dtype(self.device), trust_remote_code=spec.trust_remote_code
            )
        except (OSError, ValueError) as exc:
            raise UserInputError(where, f"cannot load the model ({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None
        self.model.to(self.device).eval()
        if self.tokenizer.pad_token is None:  # decoder-only classifiers (Llama) ship without one
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.multi_label = self.model.config.problem_type == "multi_label_classification"
        self.columns = self._map_labels(where)

    def _map_labels(self, where: str) -> dict[int, str]:
        """Model output column -> taxonomy category, from spec.label_map (names or LABEL_i)."""
        id2label: dict[int, str] = {int(i): str(label) for i, label in self.model.config.id2label.items()}
        by_name = {label: i for i, label in id2label.items()} | {f"LABEL_{i}": i for i in id2label}
        columns: dict[int, str] = {}
        for model_label, category in self.spec.label_map.items():
            if model_label not in by_name:
                raise UserInputError(f"{where}: label_map.{model_label}", f"the model has no such label; its labels: {', '.join(id2label.values())}")
            mapped = map_external_category(category)
            if mapped is None:
                raise UserInputError(f"{where}: label_map.{model_label}", f"unknown category {category!r}; known: {', '.join(CATEGORY_IDS)}")
            columns[by_name[model_label]] = mapped
        if not columns:
            raise UserInputError(f"{where}: label_map", f"maps no model label onto the taxonomy; model labels: {', '.join(id2label.values())}")
        return columns

    def probabilities(self, texts: Sequence[str]) -> Any:
        """Per-label probabilities, shape (len(texts), num_labels), as a CPU tensor."""
        import torch

        chunks = []
        max_length = min(self.tokenizer.model_max_length or MAX_LENGTH, MAX_LENGTH)
        for start in range(0, len(texts), self.spec.batch_size):
            batch = self.tokenizer(
                list(texts[start : start + self.spec.batch_size]), padding=True, truncation=True,
                max_length=max_length, return_tensors="pt",
            ).to(self.device)
            with torch.inference_mode():
                logits = self.model(**batch).logits.float()
            chunks.append((torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)).cpu())
        return torch.cat(chunks) if chunks else torch.zeros((0, self.model.config.num_labels))

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        if not texts:
            return []
        results = []
        for row in self.probabilities(texts).tolist():
            scores: dict[str, float] = {}
            for column, category in self.columns.items():
                scores[category] = max(scores.get(category, 0.0), float(row[column]))
            results.append(Classification(scores=scores))
        return results
