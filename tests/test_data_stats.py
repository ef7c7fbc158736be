"""Statistics: counts, length percentiles and annotator agreement worked out by hand."""

from __future__ import annotations

import json

from rich.console import Console

from toolkit.core.schema import PreferencePair, SFTConversation
from toolkit.data.stats import annotator_agreement, compute_stats, length_summary, render_stats


def judged(annotator: str | None, prompt: str, chosen: str, rejected: str, **extra: object) -> PreferencePair:
    return PreferencePair(
        id=f"{annotator}-{prompt}-{chosen}",
        use_case=str(extra.get("use_case", "u")),
        prompt=prompt,
        chosen=chosen,
        rejected=rejected,
        annotator={"id": annotator} if annotator else None,
        source=str(extra.get("source", "human")),
    )


def test_agreement_counts_pairs_of_annotators_on_the_same_unordered_pair() -> None:
    records = [
        # item 1: three annotators, two prefer A -> pairs (1,2) agree, (1,3) and (2,3) disagree
        judged("ann1", "P1", "A", "B"),
        judged("ann2", "P1", "a", "b"),  # same responses after normalising
        judged("ann3", "P1", "B", "A"),
        # item 2: responses listed in the other order, both prefer Y -> 1 agreeing pair
        judged("ann1", "P2", "Y", "X"),
        judged("ann2", "P2", "Y", "X"),
        # a single annotator or a different response pair is not an agreement item
        judged("ann1", "P3", "M", "N"),
        judged("ann2", "P1", "A", "C"),
        judged(None, "P2", "X", "Y"),
    ]
    # Krippendorff's alpha by hand (labels: f = the first of the two responses in sorted order, s = second):
    # item 1 = {f, f, s}, item 2 = {s, s}; coincidences o_ff = 1, o_fs = o_sf = 1, o_ss = 2; n_f = 2, n_s = 3,
    # D_o = 2/5, D_e = 2*2*3/(5*4) = 0.6, alpha = 1 - 0.4/0.6 = 1/3. Only ann1 and ann2 share two items,
    # and they agree on both: Cohen's kappa 1.0 over one annotator pair.
    assert annotator_agreement(records) == {
        "items": 2,
        "annotator_pairs": 4,
        "pairwise_agreement_percent": 50.0,
        "krippendorff_alpha": 0.3333,
        "cohen_kappa_mean": 1.0,
        "cohen_kappa_pairs": 1,
    }


def test_agreement_statistics_are_undefined_when_every_label_is_the_same() -> None:
    records = [judged("ann1", "P1", "A", "B"), judged("ann2", "P1", "A", "B"),
               judged("ann1", "P2", "A", "B"), judged("ann2", "P2", "A", "B")]
    agreement = annotator_agreement(records)
    assert agreement["pairwise_agreement_percent"] == 100.0
    assert agreement["krippendorff_alpha"] is None  # no variation: chance agreement is undefined
    assert agreement["cohen_kappa_mean"] is None


def test_agreement_is_none_without_shared_items() -> None:
    records = [judged("ann1", "P1", "A", "B"), judged("ann2", "P2", "A", "B")]
    assert annotator_agreement(records)["pairwise_agreement_percent"] is None


def test_length_percentiles_are_nearest_rank_word_counts() -> None:
    assert length_summary(list(range(1, 101))) == {"p50": 50, "p90": 90, "p99": 99, "max": 100}
    assert length_summary([]) == {"p50": 0, "p90": 0, "p99": 0, "max": 0}


def test_preference_stats_count_use_cases_annotators_sources_and_lengths() -> None:
    records = [
        judged("ann1", "one two three", "a b", "c", use_case="proposals"),
        judged("ann1", "one", "a b c d", "c d", use_case="proposals", source="synthetic"),
        judged(None, "one two", "a", "b", use_case="qa"),
    ]
    stats = compute_stats(records, "preference")
    assert stats["records"] == 3
    assert stats["by_use_case"] == {"proposals": 2, "qa": 1}
    assert stats["by_annotator"] == {"ann1": 2, "(none)": 1}
    assert stats["by_source"] == {"human": 2, "synthetic": 1}
    assert stats["lengths"]["prompt"] == {"p50": 2, "p90": 3, "p99": 3, "max": 3}
    assert stats["lengths"]["chosen"]["max"] == 4
    json.dumps(stats)  # JSON-able for --json


def test_sft_stats_measure_messages_and_turns() -> None:
    conversation = SFTConversation(
        id="s",
        use_case="u",
        messages=[{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello you all"}],
    )
    stats = compute_stats([conversation], "sft")
    assert stats["lengths"]["messages"]["max"] == 5
    assert stats["lengths"]["turns"]["max"] == 2
    assert "agreement" not in stats


def test_rich_rendering_shows_counts_and_agreement() -> None:
    stats = compute_stats([judged("ann1", "P", "A", "B"), judged("ann2", "P", "B", "A")], "preference")
    console = Console(record=True, width=120)
    console.print(render_stats(stats))
    text = console.export_text()
    assert "2 preference records" in text
    assert "ann2" in text
    assert "pairwise agreement 0.0%" in text
    assert "Krippendorff's" in text
