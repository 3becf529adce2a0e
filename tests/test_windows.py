from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.judge.windows import k_of_last_n, most_in_any_span, tumbling


def test_tumbling_windows_cover_the_observation():
    events = [(0.0, "a"), (9.99, "b"), (10.0, "c"), (25.0, "d"), (30.0, "e"), (31.0, "late")]
    windows = tumbling(events, 0.0, 30.0, 10.0)
    assert [(w.start, w.end) for w in windows] == [(0, 10), (10, 20), (20, 30)]
    assert [w.items for w in windows] == [("a", "b"), ("c",), ("d", "e")]


def test_a_short_observation_is_one_short_window():
    (only,) = tumbling([(0.5, 1)], 0.0, 1.2, 60.0)
    assert (only.start, only.end, only.items) == (0.0, 1.2, (1,))


def test_width_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        tumbling([], 0, 1, 0)


@given(st.lists(st.floats(0, 100), max_size=50), st.floats(0.1, 50))
def test_every_event_in_range_lands_in_exactly_one_window(times, width):
    windows = tumbling([(t, t) for t in times], 0.0, 100.0, width)
    assert sorted(x for w in windows for x in w.items) == sorted(times)
    for w in windows:
        assert all(w.start <= x <= w.end for x in w.items)


def test_most_in_any_span_slides():
    times = [0, 5, 50, 55, 59, 61, 200]
    assert most_in_any_span(times, 60) == (5, 0)
    assert most_in_any_span(times, 10) == (3, 50)
    assert most_in_any_span([], 60) == (0, None)


def test_k_of_last_n():
    windows = tumbling([(t, v) for t, v in enumerate([1, 9, 9, 1, 9, 9, 9])], 0, 7, 1)
    over = lambda w: any(v > 5 for v in w.items)  # noqa: E731
    assert k_of_last_n(windows, over, 3, 3) == (True, 3, 3)
    assert k_of_last_n(windows, over, 4, 5) == (True, 4, 5)
    assert k_of_last_n(windows, over, 5, 5) == (False, 4, 5)
    assert k_of_last_n(windows[:2], over, 3, 5) == (False, 1, 2)


def test_occupied_matches_tumbling_on_the_windows_that_hold_events():
    from golive_action.judge.windows import occupied

    events = [(0.5, "a"), (35.0, "b"), (36.0, "c")]
    count, windows = occupied(events, 0.0, 100.0, 10.0)
    dense = [w for w in tumbling(events, 0.0, 100.0, 10.0) if w.items]
    assert count == 10 and windows == dense
