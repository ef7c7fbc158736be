"""bench/RESULTS.md is written by `make bench` (bench/run_all.py); the sections measured by hand live
in bench/*.md files that it copies in. A hand edit to RESULTS.md alone would be lost on the next
`make bench`, so every hand-measured file must appear in RESULTS.md word for word."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
SPEC = importlib.util.spec_from_file_location("hand_measured", BENCH / "hand_measured.py")
assert SPEC and SPEC.loader
hand_measured = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(hand_measured)


def test_every_hand_measured_section_is_in_results_verbatim() -> None:
    results = (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    for path in hand_measured.HAND_MEASURED:
        text = path.read_text(encoding="utf-8").strip()
        assert text.startswith("## "), f"{path.name} must be one section (## title)"
        assert text in results, f"{path.name} differs from its section in bench/RESULTS.md; edit the file and copy it over"


def test_results_sections_in_the_order_make_bench_writes_them() -> None:
    results = (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    starts = [results.index(path.read_text(encoding="utf-8").strip()) for path in hand_measured.HAND_MEASURED_AFTER]
    assert starts == sorted(starts)
