"""Dataset statistics: what is in a file before it is trained on.

Counts (by use case, annotator and source), length percentiles in whitespace-separated words, and
annotator agreement: when several annotators judged the same prompt and the same two responses
(in either order), how often two of them preferred the same response, with Krippendorff's alpha and
Cohen's kappa to correct for chance.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

import numpy as np
from rich.console import Group
from rich.table import Table

from toolkit.core.schema import normalise_text, turns_text

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


def nominal_agreement(ratings: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """Agreement of annotators on items with nominal labels (`item -> {annotator: label}`).

    Only items judged by two or more annotators count. Reports raw pairwise agreement, Krippendorff's
    alpha (nominal; handles any number of annotators per item and missing judgements; None when every
    label is the same, where chance agreement is undefined) and the mean of Cohen's kappa over
    annotator pairs that share at least two items (each pair's kappa from scikit-learn).
    """
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    items = [judgements for judgements in ratings.values() if len(judgements) >= 2]
    pairs = agreeing = 0
    for judgements in items:
        for first, second in combinations(judgements.values(), 2):
            pairs += 1
            agreeing += first == second
    result: dict[str, Any] = {
        "items": len(items),
        "annotator_pairs": pairs,
        "pairwise_agreement_percent": round(100 * agreeing / pairs, 2) if pairs else None,
        "krippendorff_alpha": None,
        "cohen_kappa_mean": None,
        "cohen_kappa_pairs": 0,
    }
    if not items:
        return result
    annotators = sorted({a for judgements in items for a in judgements})
    values = sorted({str(v) for judgements in items for v in judgements.values()})
    code = {v: i for i, v in enumerate(values)}
    if len(values) > 1:
        matrix = np.full((len(annotators), len(items)), np.nan)
        for column, judgements in enumerate(items):
            for row, annotator in enumerate(annotators):
                if annotator in judgements:
                    matrix[row, column] = code[str(judgements[annotator])]
        alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        result["krippendorff_alpha"] = None if np.isnan(alpha) else round(float(alpha), 4)
    kappas = []
    for first, second in combinations(annotators, 2):
        shared = [(j[first], j[second]) for j in items if first in j and second in j]
        if len(shared) < 2:
            continue
        a, b = [str(x) for x, _ in shared], [str(y) for _, y in shared]
        if len(set(a) | set(b)) < 2:
            continue  # one label only: kappa is undefined
        kappa = cohen_kappa_score(a, b)
        if not np.isnan(kappa):
            kappas.append(float(kappa))
    if kappas:
        result["cohen_kappa_mean"] = round(sum(kappas) / len(kappas), 4)
        result["cohen_kappa_pairs"] = len(kappas)
    return result


def annotator_agreement(records: Iterable[Any]) -> dict[str, Any]:
    """Agreement over preference items judged by two or more annotators.

    An item is a prompt with an unordered pair of responses; an annotator's judgement is the
    response they chose (their first judgement counts if they judged an item twice). Two annotators
    agree when they chose the same response; see `nominal_agreement` for the statistics.
    """
    choices: dict[tuple[str, frozenset[str]], dict[str, str]] = defaultdict(dict)
    for record in records:
        if record.annotator is None:
            continue
        chosen = normalise_text(turns_text(record.chosen))
        rejected = normalise_text(turns_text(record.rejected))
        item = (normalise_text(turns_text(record.prompt)), frozenset((chosen, rejected)))
        # The label is which of the two (in a fixed order) was chosen, so labels mean the same across items.
        choices[item].setdefault(record.annotator.id, "first" if chosen == min(chosen, rejected) else "second")
    return nominal_agreement(choices)


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


def _or_na(value: Any) -> str:
    return "n/a" if value is None else str(value)


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
            f"{agreement['annotator_pairs']} annotator pairs, pairwise agreement {shown}, "
            f"Krippendorff's alpha {_or_na(agreement.get('krippendorff_alpha'))}, "
            f"mean Cohen's kappa {_or_na(agreement.get('cohen_kappa_mean'))} "
            f"({agreement.get('cohen_kappa_pairs', 0)} annotator pairs with 2+ shared items)"
        )
    if stats.get("invalid"):
        parts.append(f"[yellow]{stats['invalid']} invalid records left out[/yellow]")
    return Group(*parts)


def file_stats(
    path: Any, kind: str, fmt: str = "auto", split: str | None = None
) -> tuple[dict[str, Any], list[Any]]:
    """Statistics of a file's valid records, with `invalid` counted, and the problems of the rest."""
    from toolkit.core.io import read_records

    result = read_records(path, kind, fmt, split)
    stats = compute_stats(result.records, kind)
    stats["invalid"] = len(result.failures)
    return stats, result.problems
