"""The 5xx-spike check from recorded answers, and end to end on the error-burst scenario."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from golive_action.judge.spike import judge_5xx_spike
from golive_action.model import HttpSample, Verdict


def answer(at: float, status: int, probe: str = "web-health") -> HttpSample:
    return HttpSample(probe=probe, url="http://x", at=at, elapsed_ms=1.0, status=status)


def test_no_spike():
    samples = [answer(t, 200) for t in range(100)]
    result = judge_5xx_spike(samples, 60, 5, 5)
    assert result.verdict is Verdict.PASS
    assert result.metrics["responses"] == 100 and result.metrics["windows"] == 2


def test_a_burst_in_one_window_is_a_spike_even_when_the_whole_run_is_under():
    # 3 % 5xx over 200 s, all of it in one 20 s window.
    samples = [answer(t, 503 if 100 <= t < 106 else 200) for t in range(200)]
    result = judge_5xx_spike(samples, 20, 5, 5)
    assert result.verdict is Verdict.FAIL
    assert result.metrics["spike_windows"] == 1
    assert "6 of 20 answers (30 %) at +100 s, from web-health" in result.reason
    assert judge_5xx_spike(samples, 1000, 5, 5).verdict is Verdict.PASS


def test_errors_without_an_answer_are_not_5xx_and_few_answers_are_inconclusive():
    samples = [HttpSample("web-health", "u", 0.0, 1.0, error="connection refused")] * 9
    samples.append(answer(1, 200))
    result = judge_5xx_spike(samples, 60, 5, 5)
    assert result.verdict is Verdict.INCONCLUSIVE


@given(
    st.lists(st.tuples(st.floats(0, 1e6), st.sampled_from([200, 404, 500, 503])), max_size=60),
    st.floats(1, 3600),
    st.floats(0, 100),
    st.integers(1, 20),
)
def test_any_answers_give_a_verdict(rows, window, share, minimum):
    result = judge_5xx_spike([answer(t, s) for t, s in rows], window, share, minimum)
    assert result.verdict in (Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE)
    if not any(s >= 500 for _, s in rows):
        assert result.verdict is not Verdict.FAIL


def test_error_burst_fires_the_5xx_spike_trigger(run_cli, tmp_path):
    out = tmp_path / "out"
    out.touch()
    result = run_cli(
        "demo",
        "--duration",
        "2",
        "--scenario",
        "error-burst",
        "--samples",
        "8",
        env={"GITHUB_OUTPUT": str(out)},
    )
    assert result.code == 1
    report = json.loads(Path("golive-report.json").read_text())
    criteria = {c["id"]: c["verdict"] for c in report["criteria"]}
    assert criteria["smoke"] == "fail" and criteria["no-5xx-spike"] == "fail"
    assert report["rollback"]["triggered"] is True
    assert "5xx-spike" in [r["id"] for r in report["rollback"]["reasons"]]
    text = out.read_text()
    assert "rollback=true" in text and '"5xx-spike"' in text


def log_line(at: float, status: int) -> str:
    from datetime import datetime, timezone

    stamp = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'127.0.0.1 - - [{stamp}] "GET /api/x HTTP/1.1" {status} 12 "-" "curl/8"'


def test_access_log_spike_is_found_and_old_lines_are_ignored(tmp_path):
    import time

    from golive_action.observe.accesslog import read_access_log

    now = time.time()
    lines = [log_line(now - 3600, 500)] * 50  # an hour ago: outside the window read
    lines += [log_line(now - 300 + i, 200) for i in range(200)]
    lines += [log_line(now - 60 + i % 10, 503) for i in range(30)]
    lines += ["garbage line", ""]
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    observation = read_access_log(str(path), 15, now)
    assert observation.unparsed == 1
    assert sum(n for _, n, _ in observation.seconds) == 230
    result = judge_5xx_spike([], 60, 5, 5, observation)
    assert result.verdict is Verdict.FAIL
    assert f"access log {path}" in result.reason and "30 of" in result.reason
    assert result.metrics["log_unparsed"] == 1
    calm = read_access_log(str(path), 15, now - 120)
    assert judge_5xx_spike([], 60, 5, 5, calm).verdict is Verdict.PASS


def test_unreadable_access_log_is_an_error(tmp_path):
    from golive_action.observe.accesslog import read_access_log

    result = judge_5xx_spike([], 60, 5, 5, read_access_log(str(tmp_path / "no.log"), 15, 0))
    assert result.verdict is Verdict.ERROR and "cannot be read" in result.reason
