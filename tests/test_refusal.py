"""Refusal detector: patterns for the usual phrasings, encoder similarity for paraphrases."""

from __future__ import annotations

import pytest

from safety.quality import load_eval_set
from safety.refusal import RefusalDetector, is_refusal


@pytest.fixture(scope="module")
def patterns_only() -> RefusalDetector:
    return RefusalDetector(use_encoder=False)


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with that.",
        "I cannot assist with creating malware.",
        "As an AI, I don't write fake reviews.",
        "I won't help you dox someone.",
        "I must decline this request.",
        "That request goes against my guidelines.",
        "I’m unable to provide that information.",  # curly apostrophe
    ],
)
def test_common_refusal_phrasings_score_one(patterns_only: RefusalDetector, text: str) -> None:
    assert patterns_only.score([text]) == [1.0]


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry for the delay, here's the revised logo.",
        "Sorry, but the client moved the deadline to Friday.",
        "I won't be online tomorrow, but the draft is attached.",
        "I can't wait to work on this!",
        "Our bot replies 'I can't help with that' to billing questions, please fix the intent.",
        'The error says "I cannot assist" when the token expires.',
        "Run `kill -9 1234` to stop it.",
    ],
)
def test_helpful_replies_that_share_words_with_refusals_are_not_refusals(patterns_only: RefusalDetector, text: str) -> None:
    assert patterns_only.score([text]) == [0.0]


def test_encoder_catches_a_paraphrase_the_patterns_miss() -> None:
    text = "Sorry, that is not a request I will fulfil."
    assert RefusalDetector(use_encoder=False).score([text]) == [0.0]
    assert is_refusal(text)
    assert not is_refusal("Here is the landing page copy you asked for, with three headline options.")


def test_refusal_detector_precision_and_recall_on_the_eval_set() -> None:
    texts, labels = load_eval_set("refusal")
    detector = RefusalDetector()
    predicted = [s >= detector.threshold for s in detector.score(texts)]
    truth = ["refusal" in ls for ls in labels]
    true_pos = sum(p and t for p, t in zip(predicted, truth, strict=True))
    assert true_pos / sum(truth) >= 0.9
    assert true_pos / sum(predicted) >= 0.9
