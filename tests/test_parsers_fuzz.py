"""Property tests for the parsers of untrusted input not covered elsewhere: BTCTurk frames,
the order book, nginx access log lines, nginx configurations."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from golive_action.observe.accesslog import read_access_log
from golive_action.observe.btcturk import OrderBook, parse_frame
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
