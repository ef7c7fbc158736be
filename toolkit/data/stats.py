"""Dataset statistics: what is in a file before it is trained on.

Counts (by use case, annotator and source), length percentiles in whitespace-separated words, and
annotator agreement: when several annotators judged the same prompt and the same two responses
(in either order), how often two of them preferred the same response.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

import numpy as np
from rich.console import Group
from rich.table import Table

from toolkit.data.schema import normalise_text, turns_text

UNSPECIFIED = "(none)"
PERCENTILES = (50, 90, 99)


def _words(text: str) -> int:
    return len(text.split())


def length_summary(values: list[int]) -> dict[str, int]:
    """p50/p90/p99/max of word counts (nearest-rank percentiles: always an observed length)."""
    if not values:
        return {"p50": 0, "p90": 0, "p99": 0, "max": 0}
    found = np.percentile(np.asarray(values), PERCENTILES, method="inverted_cdf")
    summary = {f"p{p}": int(v) for p, v in zip(PERCENTILES, found, strict=True)}
    summary["max"] = int(max(values))
    return summary


def _lengths(records: list[Any], kind: str) -> dict[str, list[int]]:
    if kind == "preference":
        return {
            name: [_words(turns_text(getattr(r, name))) for r in records]
            for name in ("prompt", "chosen", "rejected")
        }
    if kind == "sft":
        return {
            "messages": [_words(turns_text(r.messages)) for r in records],
            "turns": [len(r.messages) for r in records],
        }
    if kind == "qa":
        return {name: [_words(getattr(r, name)) for r in records] for name in ("question", "answer")}
    return {"prompt": [_words(turns_text(r.prompt)) for r in records]}


def annotator_agreement(records: Iterable[Any]) -> dict[str, Any]:
    """Pairwise agreement over items judged by two or more annotators.

    An item is a prompt with an unordered pair of responses; an annotator's judgement is the
    response they chose (their first judgement counts if they judged an item twice). Two annotators
    agree when they chose the same response.
    """
    choices: dict[tuple[str, frozenset[str]], dict[str, str]] = defaultdict(dict)
    for record in records:
        if record.annotator is None:
            continue
        chosen = normalise_text(turns_text(record.chosen))
        rejected = normalise_text(turns_text(record.rejected))
        item = (normalise_text(turns_text(record.prompt)), frozenset((chosen, rejected)))
        choices[item].setdefault(record.annotator.id, chosen)
    items = [judgements for judgements in choices.values() if len(judgements) >= 2]
    pairs = agreeing = 0
    for judgements in items:
        for first, second in combinations(judgements.values(), 2):
            pairs += 1
            agreeing += first == second
    return {
        "items": len(items),
        "annotator_pairs": pairs,
        "pairwise_agreement_percent": round(100 * agreeing / pairs, 2) if pairs else None,
    }


def compute_stats(records: Iterable[Any], kind: str) -> dict[str, Any]:
    """JSON-able statistics for one data kind (what `toolkit data stats --json` prints)."""
    items = list(records)
    stats: dict[str, Any] = {
        "kind": kind,
        "records": len(items),
        "by_use_case": dict(Counter(getattr(r, "use_case", UNSPECIFIED) for r in items).most_common()),
        "by_source": dict(Counter(getattr(r, "source", None) or UNSPECIFIED for r in items).most_common()),
    }
    if kind == "preference":
        stats["by_annotator"] = dict(
            Counter(r.annotator.id if r.annotator else UNSPECIFIED for r in items).most_common()
        )
    stats["lengths"] = {  # whitespace-separated words; sft "turns" counts messages
        name: length_summary(values) for name, values in _lengths(items, kind).items()
    }
    if kind == "preference":
        stats["agreement"] = annotator_agreement(items)
    return stats


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("name")
    table.add_column("records", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    return table


def render_stats(stats: dict[str, Any]) -> Group:
    """The statistics as Rich tables for the terminal."""
    parts: list[Any] = [f"[bold]{stats['records']}[/bold] {stats['kind']} records"]
    parts.append(_counts_table("By use case", stats["by_use_case"]))
    parts.append(_counts_table("By source", stats["by_source"]))
    if "by_annotator" in stats:
        parts.append(_counts_table("By annotator", stats["by_annotator"]))
    lengths = stats["lengths"]
    table = Table(title="Lengths in words (sft turns: messages)", title_justify="left")
    table.add_column("field")
    for column in ("p50", "p90", "p99", "max"):
        table.add_column(column, justify="right")
    for name, summary in lengths.items():
        table.add_row(name, *(str(summary[c]) for c in ("p50", "p90", "p99", "max")))
    parts.append(table)
    if "agreement" in stats:
        agreement = stats["agreement"]
        percent = agreement["pairwise_agreement_percent"]
        shown = f"{percent}%" if percent is not None else "n/a"
        parts.append(
            f"Annotator agreement: {agreement['items']} items judged by several annotators, "
            f"{agreement['annotator_pairs']} annotator pairs, pairwise agreement {shown}"
        )
    if stats.get("invalid"):
        parts.append(f"[yellow]{stats['invalid']} invalid records left out[/yellow]")
    return Group(*parts)


def file_stats(
    path: Any, kind: str, fmt: str = "auto", split: str | None = None
) -> tuple[dict[str, Any], list[Any]]:
    """Statistics of a file's valid records, with `invalid` counted, and the problems of the rest."""
    from toolkit.data.io import read_records

    result = read_records(path, kind, fmt, split)
    stats = compute_stats(result.records, kind)
    stats["invalid"] = len(result.failures)
    return stats, result.problems
