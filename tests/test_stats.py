"""The Wilson lower bound that health rates are shown with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.stats import rate_with_bound, shown_percent, wilson_lower


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        # Standard Wilson score interval, z = 1.96 (the "88.4 %" was approximate).
        (30, 30, 0.88648),
        (0, 10, 0.0),
        (10, 10, 0.72246),
        (118, 120, 0.94126),
        (5, 10, 0.23659),
        (1, 1, 0.20654),
        (300, 300, 0.98735),
    ],
)
def test_known_values(successes, n, expected):
    assert wilson_lower(successes, n) == pytest.approx(expected, abs=5e-5)


def test_no_trials_is_no_bound_and_impossible_counts_are_refused():
    assert wilson_lower(0, 0) is None
    with pytest.raises(ValueError, match="3 successes in 2 trials"):
        wilson_lower(3, 2)


@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_bound_lies_between_zero_and_the_observed_share(counts):
    successes, n = counts
    lower = wilson_lower(successes, n)
    assert lower is not None
    assert 0.0 <= lower <= successes / n


@given(st.integers(1, 100_000), st.integers(1, 1000))
def test_all_successes_bound_rises_with_more_trials(n, more):
    low, high = wilson_lower(n, n), wilson_lower(n + more, n + more)
    assert low is not None and high is not None
    assert low < high < 1.0


def test_the_shown_rate_never_rounds_up_to_all():
    assert shown_percent(2499 / 2500) == "99.9"
    assert shown_percent(1.0) == "100" and shown_percent(0.0) == "0"
    assert shown_percent(118 / 120) == "98.3"
    assert rate_with_bound(30, 30) == "100 %, at least 88.6 % with 95 % confidence"
    assert rate_with_bound(0, 0) == ""
