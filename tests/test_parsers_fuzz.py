"""Property tests for the parsers of untrusted input not covered elsewhere: BTCTurk frames,
the order book, nginx access log lines, nginx configurations, GitHub run listings and
artifact zips."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from golive_action.btcturk import OrderBook, parse_frame
from golive_action.observe.accesslog import read_access_log
from golive_action.observe.nginx import NginxSyntaxError, parse

levels = st.lists(
    st.fixed_dictionaries(
        {"P": st.text(max_size=8) | st.integers(), "A": st.text(max_size=8) | st.integers()}
    ),
    max_size=5,
)
payloads = st.fixed_dictionaries(
    {}, optional={"CS": st.integers() | st.text(max_size=3), "AO": levels | st.text(), "BO": levels}
)


@given(st.text(max_size=300) | st.binary(max_size=50))
def test_any_frame_is_classified_never_raised(data):
    frame = parse_frame(data)
    assert (frame.kind == -1) == (frame.problem is not None)


@given(st.lists(st.tuples(st.sampled_from([431, 432, 402]), payloads), max_size=10))
def test_any_sequence_of_book_frames_keeps_a_consistent_book(frames):
    book = OrderBook()
    for kind, payload in frames:
        book.apply(parse_frame(json.dumps([kind, payload])))
        bid, ask = book.best()
        assert book.crossed() == (bid is not None and ask is not None and bid >= ask)


@given(st.lists(st.text(max_size=120), max_size=30))
def test_any_access_log_lines_are_read_or_counted(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("log") / "access.log"
    path.write_text("\n".join(lines), encoding="utf-8")
    observation = read_access_log(str(path), 15, 2_000_000_000)
    parsed = sum(n for _, n, _ in observation.seconds)
    assert parsed + observation.unparsed <= len([x for x in "\n".join(lines).splitlines()])
    assert all(bad <= n for _, n, bad in observation.seconds)


@given(st.text(alphabet=st.sampled_from(list("ab {};\"'#\n$_/ 1")), max_size=80))
def test_any_nginx_text_parses_or_fails_with_a_line(text):
    try:
        parse(text)
    except NginxSyntaxError as exc:
        message = str(exc)
    else:
        return
    assert message and "\n" not in message


# ----------------------------------------------------------------------------- GitHub payloads

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# A run as GitHub lists it, with any field missing or of any type.
run_fields = {
    "id": st.integers(min_value=1, max_value=10**6) | json_values,
    "conclusion": st.sampled_from(["success", "failure", "cancelled", "timed_out"]) | json_values,
    "created_at": st.just("2026-11-28T02:17:00Z") | json_values,
    "html_url": st.just("https://github.com/octo/app/actions/runs/1") | json_values,
    "event": st.just("schedule") | json_values,
    "head_branch": st.just("main") | json_values,
    "display_title": json_values,
}
runs_listing = st.fixed_dictionaries(
    {},
    optional={
        "total_count": json_values,
        "workflow_runs": st.lists(st.fixed_dictionaries({}, optional=run_fields), max_size=4)
        | json_values,
    },
)


@settings(deadline=None)
@given(runs_listing | json_values, st.sampled_from([200, 403, 404, 422]))
def test_any_runs_listing_gets_a_verdict_never_a_traceback(payload, status):
    import responses

    from golive_action.judge.canary import judge_canary_rate
    from golive_action.observe.history import fetch_history
    from golive_action.text import Redactor
    from tests import test_history as gh

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(gh.RUNS, json=payload, status=status)
        history = fetch_history(
            gh.TOKEN,
            "octo/app",
            "receipts-gate.yml",
            3,
            gh.API,
            timeout_s=1,
        )
    assert history.error is None or "\n" not in history.error
    result = judge_canary_rate(history, None, 3, 1, 95)
    assert result.verdict.value in ("pass", "fail", "inconclusive", "error")
    # What the gate shows is the judgement redacted (run_gate does it for every report).
    assert gh.TOKEN not in Redactor([gh.TOKEN]).tree(result).reason


@given(
    st.dictionaries(
        st.sampled_from(["canary_resp.json", "../canary_resp.json", "/abs", "a/golive-report.json"])
        | st.text(min_size=1, max_size=12).filter(
            lambda n: "\x00" not in n
        ),  # zipfile needs a name
        st.binary(max_size=200),
        max_size=3,
    )
    | st.binary(max_size=300).map(lambda data: {"": data})
)
def test_any_artifact_zip_is_read_or_refused_with_a_note(members):
    from golive_action.observe.artifacts import read_member
    from tests.test_history import zipped

    data = members[""] if set(members) == {""} else zipped(members)
    read = read_member(data)
    assert (read.text is None) == (read.note is not None)
