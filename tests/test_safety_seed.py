"""The shipped seed set is exactly what `safety/data/generate_seed.py` writes, on every run."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = ROOT / "safety" / "data" / "seed.jsonl"

_DIGEST = (
    "import hashlib, json, sys; sys.path.insert(0, sys.argv[1]);"
    "from safety.data.generate_seed import records;"
    "body = ''.join(json.dumps(r, ensure_ascii=False) + '\\n' for r in records());"
    "records();"  # a second draw in the same process must not change anything either
    "assert body == ''.join(json.dumps(r, ensure_ascii=False) + '\\n' for r in records());"
    "print(hashlib.sha256(body.encode()).hexdigest())"
)


def _generated_digest() -> str:
    return subprocess.run(
        [sys.executable, "-c", _DIGEST, str(ROOT)], check=True, capture_output=True, text=True, env={"PYTHONHASHSEED": "random"}
    ).stdout.strip()


def test_seed_generator_reproduces_the_shipped_file_byte_for_byte() -> None:
    """Regression: a module-level RNG made `main` and `--train` draw different sets (261 texts differed)."""
    first, second = _generated_digest(), _generated_digest()
    assert first == second
    assert first == hashlib.sha256(SEED_FILE.read_bytes()).hexdigest()
