"""TLS with a private CA, health expectations by JSON pointer, refusals confirmed (not
masked), and preflight."""

from __future__ import annotations

import json
import threading

import pytest

from golive_action.config import GateConfig, Secret, load_config
from golive_action.judge.health import judge_health, sample_problem
from golive_action.judge.registry import preflight_check as judge_preflight
from golive_action.model import HttpSample, Verdict
from golive_action.observe.budget import Budget
from golive_action.observe.http import HttpLimits, fetch, new_session, sample_endpoint
from tests.faulty import closed_port, http_server, https_server, make_certificates, reply


def get(url: str, ca: str | None = None) -> HttpSample:
    limits = HttpLimits(timeout_s=5, ca_bundle=ca)
    with new_session(limits) as session:
        return fetch(session, "web-health", url, limits)


def test_tls_with_an_unknown_ca_is_refused_and_a_ca_bundle_fixes_it(tmp_path):
    ca, cert, key = make_certificates(str(tmp_path))
    with https_server(reply(200, b'{"ok": true}'), cert, key) as base:
        unknown = get(base + "/h")
        trusted = get(base + "/h", ca=ca)
    assert unknown.error_kind == "tls" and "certificate" in (unknown.error or "")
    assert trusted.status == 200 and trusted.error is None


def test_tls_hostname_mismatch_is_refused(tmp_path):
    ca, cert, key = make_certificates(str(tmp_path), names=("other.example",), ips=())
    with https_server(reply(200, b'{"ok": true}'), cert, key) as base:
        sample = get(base + "/h", ca=ca)
    assert sample.error_kind == "tls"
    assert "127.0.0.1" in (sample.error or "") or "match" in (sample.error or "")


def ok_sample(body: str) -> HttpSample:
    return HttpSample("web-health", "u", 0.0, 1.0, 200, "application/json", body, len(body))


@pytest.mark.parametrize(
    ("body", "expect", "problem"),
    [
        ('{"status": "healthy"}', ("/status", "healthy"), None),
        ('{"status": "degraded"}', ("/status", "healthy"), '/status is "degraded"'),
        ('{"checks": {"db": true}}', ("/checks/db", True), None),
        ('{"checks": {"db": 1}}', ("/checks/db", True), "expected true"),
        ('{"x": 1}', ("/status", "healthy"), "nothing at /status"),
    ],
)
def test_health_expectation_by_pointer(body, expect, problem):
    found = sample_problem(ok_sample(body), expect)
    assert found == problem or (problem and found and problem in found)


def test_health_pointer_inputs_come_in_pairs():
    config = load_config({"health-pointer": "/status", "health-expect": '"healthy"'}, {})
    assert config.health_expectation == ("/status", "healthy")
    from golive_action.config import ConfigError

    with pytest.raises(ConfigError, match="health-expect"):
        load_config({"health-pointer": "/status"}, {})
    with pytest.raises(ConfigError, match="not a JSON value"):
        load_config({"health-pointer": "/status", "health-expect": "healthy"}, {})


def test_a_refusal_is_confirmed_but_the_threshold_holds_on_the_raw_rate():
    """The server comes up between the first try and its confirmation: the confirmed rate
    is 100 %, the raw rate is not, and the raw rate is what is judged."""
    port = closed_port()
    url = f"http://127.0.0.1:{port}/h"
    started = threading.Event()
    holder: list = []

    class ServerUpDuringThePause(Budget):
        def wait(self, seconds: float) -> bool:
            if not started.is_set():
                started.set()
                holder.append(http_server(reply(200, b'{"ok": true}'), port=port))
                holder[-1].__enter__()
            return False

    try:
        samples = sample_endpoint(
            "web-health",
            url,
            1,
            0,
            HttpLimits(timeout_s=2),
            ServerUpDuringThePause(1e12),
        )
    finally:
        for server in holder:
            server.__exit__(None, None, None)
    assert [s.confirmation for s in samples] == [False, True]
    assert samples[0].error_kind == "refused" and samples[1].status == 200
    result = judge_health("web-health", "t", samples, None, 99.5)
    assert result.metrics["rate_percent"] == 0.0
    assert result.metrics["confirmed_rate_percent"] == 100.0
    assert result.metrics["confirmations"] == 1
    assert result.verdict is not Verdict.PASS


def test_preflight_names_what_is_missing_never_a_value():
    config = GateConfig(
        web_url="https://w",
        executor_url=None,
        ws_url=None,
        spark_api_url=None,
        spark_api_token=Secret("s3cr3t-value"),
    )
    result = judge_preflight(config.limits().preflight)
    assert result.verdict is Verdict.FAIL
    assert "executor-url is not set" in result.reason and "ws-url is not set" in result.reason
    assert "spark-api-url is not set, but spark-api-token is" in result.reason
    assert "s3cr3t-value" not in json.dumps(result.to_dict())
    rollback = GateConfig(
        mode="rollback", web_url="https://w", executor_url="https://e", ws_flag=True
    )
    assert (
        "ws-flag is true but mode rollback needs it false"
        in judge_preflight(rollback.limits().preflight).reason
    )
    ready = GateConfig(
        web_url="https://w",
        executor_url="https://e",
        ws_url="wss://f",
        spark_api_url="https://s",
        spark_api_token=Secret("t"),
    )
    assert judge_preflight(ready.limits().preflight).verdict is Verdict.PASS


def test_an_untrusted_certificate_gives_the_ca_bundle_fix(tmp_path):
    """The WebSocket probe's words, and its fix, for the same certificate."""
    _, cert, key = make_certificates(str(tmp_path))
    (tmp_path / "other").mkdir()
    other_ca, _, _ = make_certificates(str(tmp_path / "other"))
    with https_server(reply(200, b'{"ok": true}'), cert, key) as base:
        unknown = get(base + "/h")
        wrong_ca = get(base + "/h", ca=other_ca)
    assert unknown.error_kind == "tls"
    assert (unknown.error or "").startswith("the server's certificate is not trusted (")
    assert (unknown.error or "").endswith(
        "; fix: give ca-bundle the PEM file of the CA that signed it (a private CA)"
    )
    assert (wrong_ca.error or "").endswith(
        "; fix: the CA in ca-bundle did not sign it: give ca-bundle the CA that did"
    )


def test_a_certificate_for_another_name_says_which_name_to_serve(tmp_path):
    ca, cert, key = make_certificates(str(tmp_path), names=("other.example",), ips=())
    with https_server(reply(200, b'{"ok": true}'), cert, key) as base:
        sample = get(base + "/h", ca=ca)
    assert sample.error_kind == "tls"
    assert "the server's certificate is not valid for 127.0.0.1" in (sample.error or "")
    assert (sample.error or "").endswith("fix: serve a certificate that names 127.0.0.1")


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("30", 30.0), ("²", None), ("9" * 400, 86_400.0), ("soon", None), ("-5", None)],
)
def test_a_retry_after_is_read_as_a_number_of_ascii_digits_within_a_day(header, seconds):
    from golive_action.observe.http import _retry_after

    assert _retry_after(header) == seconds
