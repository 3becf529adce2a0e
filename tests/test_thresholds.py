"""The threshold grammar: valid and invalid expressions, evaluation, property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive_action.thresholds import (
    Threshold,
    ThresholdError,
    evaluate,
    parse_threshold,
    parse_thresholds,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p(95)<1000", Threshold("p", 95.0, "<", 1000.0)),
        ("avg<=300", Threshold("avg", None, "<=", 300.0)),
        ("max<800", Threshold("max", None, "<", 800.0)),
        ("rate>=0.995", Threshold("rate", None, ">=", 0.995)),
        ("count<=10", Threshold("count", None, "<=", 10.0)),
        (" p( 99.9 ) > 1e3 ", Threshold("p", 99.9, ">", 1000.0)),
        ("med==5", Threshold("med", None, "==", 5.0)),
        ("min!=-1", Threshold("min", None, "!=", -1.0)),
    ],
)
def test_valid(text, expected):
    assert parse_threshold(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p(95)<<1", "threshold 'p(95)<<1': expected a number after '<'"),
        ("p(95)", "expected one of < <= > >= == != after 'p(95)', found 'the end'"),
        ("p(101)<1", "percentile 101 is outside 0 to 100"),
        ("p(x)<1", "expected a number from 0 to 100 inside p()"),
        ("mean<1", "expected one of avg, min, med, max, count, rate or p(N) at the start"),
        ("avg<", "expected a number after '<'"),
        ("avg<1ms", "expected a number after '<'"),
        ("avg=1", "found '='"),
        ("", "at the start"),
    ],
)
def test_invalid(text, message):
    with pytest.raises(ThresholdError) as info:
        parse_threshold(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_lists():
    assert [str(t) for t in parse_thresholds("p(95)<1000, avg<=300; max<800")] == [
        "p(95)<1000",
        "avg<=300",
        "max<800",
    ]
    assert len(parse_thresholds(["rate>=0.995", "count>=3"])) == 2
    with pytest.raises(ThresholdError, match="no expression"):
        parse_thresholds(" , ")


def test_evaluate():
    values = [100.0, 200.0, 300.0, 400.0, 1000.0]
    results = evaluate(parse_thresholds("p(95)<1000, avg<=400, max<800, count>=5"), values)
    assert [r.ok for r in results] == [True, True, False, True]
    assert results[0].observed == pytest.approx(880.0)
    assert "p(95)<1000 (observed 880" in results[0].describe()


def test_rate_is_the_share_of_true_values():
    (result,) = evaluate(parse_thresholds("rate>=0.995"), [1.0] * 199 + [0.0])
    assert result.observed == 0.995 and result.ok


def test_no_data_never_holds():
    for text in ("avg<1", "p(95)<1", "rate>=0", "max>0"):
        (result,) = evaluate(parse_thresholds(text), [])
        assert result.observed is None and not result.ok
    (count,) = evaluate(parse_thresholds("count<=10"), [])
    assert count.observed == 0 and count.ok


@given(st.text(max_size=40))
def test_any_text_parses_or_fails_with_one_line(text):
    try:
        threshold = parse_threshold(text)
    except ThresholdError as exc:
        message = str(exc)
    else:
        assert parse_threshold(str(threshold)) == threshold
        return
    assert message.startswith("threshold ")
    assert "\n" not in message.replace(repr(text), "")


_aggs = st.sampled_from(["avg", "min", "med", "max", "count", "rate"]) | st.floats(0, 100).map(
    lambda q: f"p({q})"
)


@given(
    _aggs,
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    st.floats(-1e9, 1e9, allow_nan=False),
)
def test_rendered_thresholds_round_trip(agg, op, limit):
    if agg == "rate":
        limit = abs(limit) % 1.0  # a share; outside 0..1 is refused (below)
    threshold = parse_threshold(f"{agg}{op}{limit!r}")
    assert threshold.operator == op and threshold.limit == limit
    assert parse_threshold(str(threshold)) == threshold


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("rate>=99.5", "did you mean rate>=0.995?"),
        ("rate<5", "did you mean rate<0.05?"),
        ("rate>=-0.1", "did you mean rate>=0.995?"),
        ("rate>1e6", "did you mean rate>=0.995?"),
    ],
)
def test_a_rate_outside_0_to_1_is_refused_with_the_share_meant(text, hint):
    with pytest.raises(ThresholdError, match="rate is a share from 0 to 1") as caught:
        parse_threshold(text)
    assert hint in str(caught.value)


@given(st.floats(0, 1))
def test_every_share_from_0_to_1_is_a_rate_limit(limit):
    assert parse_threshold(f"rate>={limit!r}").limit == limit
