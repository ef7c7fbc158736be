"""The suites, one module each, in the order they generate and run (names: toolkit.registry.SUITE_NAMES)."""

from __future__ import annotations

from toolkit.eval.base import Suite
from toolkit.eval.suites.over_refusal import OverRefusalSuite
from toolkit.eval.suites.rag import RagSuite
from toolkit.eval.suites.reward_accuracy import RewardAccuracy
from toolkit.eval.suites.safety import SafetySuite
from toolkit.eval.suites.use_case import OFF_PLATFORM, PROTECTED_ATTRIBUTES
from toolkit.eval.suites.win_rate import WinRateSuite

SUITES: dict[str, Suite] = {
    suite.name: suite
    for suite in (
        RewardAccuracy(),
        WinRateSuite(),
        PROTECTED_ATTRIBUTES,
        OFF_PLATFORM,
        SafetySuite(),
        OverRefusalSuite(),
        RagSuite(),
    )
}
