"""The dual update of Safe-RLHF's Lagrange multiplier, worked by hand."""

import pytest

from reward_models.lagrangian import LagrangeMultiplier, penalised_cost


def test_lambda_rises_when_mean_cost_is_over_budget():
    lam = LagrangeMultiplier(value=1.0, learning_rate=0.5, budget=0.0)
    # mean cost (2 + 0) / 2 = 1 over a budget of 0: lambda = 1 + 0.5 * 1 = 1.5
    assert lam.update([2.0, 0.0]) == pytest.approx(1.5)
    # mean 0.4: 1.5 + 0.5 * 0.4 = 1.7
    assert lam.update([0.4]) == pytest.approx(1.7)
    assert lam.history == pytest.approx([1.5, 1.7])


def test_lambda_falls_to_zero_under_budget_and_never_goes_negative():
    lam = LagrangeMultiplier(value=0.3, learning_rate=0.5, budget=0.5)
    # mean cost -1 is 1.5 under budget: 0.3 + 0.5 * (-1.5) = -0.45 -> projected to 0
    assert lam.update([-1.0, -1.0]) == 0.0
    assert lam.update([-5.0]) == 0.0
    # back over budget: 0 + 0.5 * (1.5 - 0.5) = 0.5
    assert lam.update([1.5]) == pytest.approx(0.5)


def test_lambda_is_capped_at_its_upper_bound():
    lam = LagrangeMultiplier(value=9.0, learning_rate=10.0, budget=0.0, max_value=10.0)
    assert lam.update([3.0]) == 10.0


def test_state_round_trip_keeps_lambda_and_its_trajectory():
    lam = LagrangeMultiplier(value=1.0, learning_rate=1.0)
    lam.update([0.5])
    restored = LagrangeMultiplier(value=1.0, learning_rate=1.0)
    restored.load_state(lam.state())
    assert (restored.value, restored.history) == (1.5, [1.5])


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="learning_rate"):
        LagrangeMultiplier(learning_rate=-1)
    with pytest.raises(ValueError, match="value"):
        LagrangeMultiplier(value=float("nan"))


def test_penalised_cost_is_minus_lambda_times_cost():
    assert penalised_cost([1.0, -2.0, 0.0], 0.5) == [-0.5, 1.0, -0.0]
