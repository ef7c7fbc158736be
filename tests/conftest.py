"""Shared fixtures: an offline environment, the real SmolLM2 tokenizer, and a tiny Llama built on it.

TOOLKIT_HOME stays the user's, so the tokenizer extracted from the GGUF and the prepared real model
are reused between runs; tests that check preparation itself point TOOLKIT_HOME at a temp folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "WANDB_MODE": "offline",
    "WANDB_SILENT": "true",
    "TOKENIZERS_PARALLELISM": "false",
}

# huggingface_hub, transformers and datasets read some of these once, at import, which happens while
# test modules are collected: set them now as well as in the fixture below.
os.environ.update(OFFLINE_ENV)


@pytest.fixture(scope="session", autouse=True)
def offline_environment() -> Iterator[None]:
    """No test talks to the Hugging Face Hub or W&B servers."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in OFFLINE_ENV.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def smollm2_tokenizer_dir() -> Path:
    """The real SmolLM2 tokenizer (with its ChatML template), extracted from the embedded GGUF once."""
    from toolkit.models import embedded_tokenizer_dir

    return embedded_tokenizer_dir()


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, smollm2_tokenizer_dir: Path) -> Path:
    """A random 2-layer Llama (hidden 64) with the SmolLM2 tokenizer: what every training test uses."""
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(
        tmp_path_factory.mktemp("tiny") / "model", tokenizer_source=str(smollm2_tokenizer_dir)
    )
