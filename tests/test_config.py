"""Config: precedence of the sources, coercion, validation and its one-line errors."""

from __future__ import annotations

import dataclasses
import json

import pytest

from golive_action.config import (
    ConfigError,
    GateConfig,
    Secret,
    input_specs,
    load_config,
    load_config_schema,
)

TOKEN = "tok-3f9a-DISTINCTIVE-77"


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ----------------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("flags", "env", "file", "expected"),
    [
        ({}, {}, None, 5),  # default
        ({}, {}, {"samples": 7}, 7),  # file over default
        ({}, {"GOLIVE_SAMPLES": "8"}, {"samples": 7}, 8),  # env over file
        ({}, {"INPUT_SAMPLES": "9", "GOLIVE_SAMPLES": "8"}, None, 9),  # INPUT_ over GOLIVE_
        ({"samples": "10"}, {"INPUT_SAMPLES": "9"}, {"samples": 7}, 10),  # flag over all
        ({}, {"INPUT_SAMPLES": ""}, {"samples": 7}, 7),  # empty env is "not given"
        ({"samples": ""}, {"INPUT_SAMPLES": "9"}, None, 9),  # empty flag is "not given"
    ],
)
def test_precedence(tmp_path, flags, env, file, expected):
    path = write(tmp_path, "c.json", json.dumps(file)) if file is not None else None
    assert load_config(flags, env, path).samples == expected


def test_plain_env_names_and_docker_style_input_names():
    env = {
        "SPARK_API_URL": "https://spark.example.com",
        "INPUT_WEB-URL": "https://web.example.com",
        "GITHUB_TOKEN": "gh-token-123",
    }
    config = load_config({}, env)
    assert config.spark_api_url == "https://spark.example.com"
    assert config.web_url == "https://web.example.com"
    assert config.github_token == Secret("gh-token-123")


def test_yaml_file_and_types(tmp_path):
    path = write(
        tmp_path,
        "gate.yml",
        "mode: rollback\nprofile: prod\nduration: 12.5\ncommit-status: true\n"
        "ws-url: wss://feed.example.com\nhealth-rate-min: 99\n",
    )
    config = load_config({}, {}, path)
    assert config.mode == "rollback"
    assert config.profile == "prod"
    assert config.duration == 12.5
    assert config.commit_status is True
    assert config.ws_url == "wss://feed.example.com"
    assert isinstance(config.health_rate_min, float)


def test_profile_sets_the_latency_limit():
    assert load_config({"profile": "local"}, {}).ws_latency_limit_ms == 300
    assert load_config({"profile": "prod"}, {}).ws_latency_limit_ms == 800
    assert (
        load_config({"profile": "prod", "ws-latency-max-ms": "450"}, {}).ws_latency_limit_ms == 450
    )


def test_checklist_defaults():
    config = load_config({}, {})
    assert config.ws_open_max_s == 5
    assert config.event_latency_p95_max_ms == 1000
    assert config.health_rate_min == 99.5
    assert config.canary_rate_min == 95
    assert config.canary_window == 7
    assert config.ws_reconnects_max_per_min == 10
    assert config.ws_rollback_latency_ms == 1000


def test_derived_urls():
    config = load_config({"web-url": "https://web.example.com/", "ws-pair": "ETHTRY"}, {})
    assert config.web_health_url == "https://web.example.com/api/public/health"
    assert (
        config.ticker_endpoint == "https://web.example.com/api/public/btcturk/ticker?symbol=ETHTRY"
    )


# ----------------------------------------------------------------------------- errors

BAD_INPUTS = [
    # (flags, env, file text or None, words the one-line message must hold)
    ({"ws-url": "http://x"}, {}, None, ["'ws-url'", "--ws-url", "ws://"]),
    ({"web-url": "ws://x"}, {}, None, ["'web-url'", "http://"]),
    ({"web-url": "https://"}, {}, None, ["'web-url'"]),
    ({"web-url": "https://exa mple.com"}, {}, None, ["'web-url'"]),
    ({"web-url": "https://example.com:99999"}, {}, None, ["'web-url'"]),
    ({"samples": "-3"}, {}, None, ["'samples'", "-3", "minimum"]),
    ({"samples": "2.5"}, {}, None, ["'samples'", "whole number"]),
    ({"mode": "golive"}, {}, None, ["'mode'", "go-live, rollback, monitor"]),
    ({"profile": "staging"}, {}, None, ["'profile'", "local"]),
    ({"duration": "abc"}, {}, None, ["'duration'", "not a number"]),
    ({"duration": "0"}, {}, None, ["'duration'", "greater than 0"]),
    ({"duration": "nan"}, {}, None, ["'duration'", "not a number"]),
    ({"health-rate-min": "101"}, {}, None, ["'health-rate-min'", "maximum"]),
    ({"commit-status": "yes"}, {}, None, ["'commit-status'", "true or false"]),
    ({"commit-status": "True"}, {}, None, ["'commit-status'"]),
    ({"ws-pair": "btc-try"}, {}, None, ["'ws-pair'"]),
    ({}, {"INPUT_SAMPLES": "many"}, None, ["'samples'", "environment INPUT_SAMPLES"]),
    ({}, {}, '{"samples": "x"', ["config file", "not valid JSON", "line 1"]),
    ({}, {}, "[1, 2]", ["config file", "mapping"]),
    ({}, {}, '{"wsurl": "ws://x"}', ["unknown input 'wsurl'", "did you mean 'ws-url'"]),
    ({}, {}, '{"samples": true}', ["'samples'", "config file"]),
    ({"nonsense": "1"}, {}, None, ["unknown input 'nonsense'"]),
    (
        {"thresholds": "web-health.latency_ms: p(95)<<1"},
        {},
        None,
        ["'thresholds'", "threshold 'p(95)<<1': expected a number after '<'"],
    ),
    (
        {"thresholds": "web-health.latncy_ms: max<1"},
        {},
        None,
        ["unknown metric 'web-health.latncy_ms'", "did you mean 'web-health.latency_ms'"],
    ),
    ({"thresholds": "max<1"}, {}, None, ["'thresholds'", "no ':'"]),
    ({}, {}, '{"thresholds": {"web-health.ok": 3}}', ["give a list of expressions"]),
    ({"samples": "2", "min-samples": "3"}, {}, None, ["'min-samples'", "more than samples (2)"]),
    # The WebSocket frame cap: a NaN, an infinity or a negative size is no cap at all.
    ({"ws-max-frame-bytes": "nan"}, {}, None, ["'ws-max-frame-bytes'", "not a whole number"]),
    ({"ws-max-frame-bytes": "inf"}, {}, None, ["'ws-max-frame-bytes'", "not a whole number"]),
    ({"ws-max-frame-bytes": "-1"}, {}, None, ["'ws-max-frame-bytes'", "below the minimum"]),
    ({"ws-max-frame-bytes": "1e308"}, {}, None, ["'ws-max-frame-bytes'", "too large"]),
    ({}, {}, '{"ws-max-frame-bytes": NaN}', ["'ws-max-frame-bytes'", "not a finite number"]),
]


@pytest.mark.parametrize(("flags", "env", "file_text", "words"), BAD_INPUTS)
def test_bad_input_is_one_line_naming_the_input(tmp_path, flags, env, file_text, words):
    path = write(tmp_path, "c.json", file_text) if file_text is not None else None
    with pytest.raises(ConfigError) as info:
        load_config(flags, env, path)
    message = str(info.value)
    assert "\n" not in message
    assert "fix:" in message
    for word in words:
        assert word in message


def test_bad_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "c.yaml", "mode: go-live\nsamples: [1,\n")
    with pytest.raises(ConfigError, match=r"not valid YAML \(line \d+"):
        load_config({}, {}, path)


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config({}, {}, str(tmp_path / "missing.yml"))


# ----------------------------------------------------------------------------- secrets


def test_tokens_never_shown_by_repr_or_str():
    config = load_config({"spark-api-token": TOKEN, "github-token": TOKEN + "x"}, {})
    assert TOKEN not in repr(config)
    assert TOKEN not in str(config)
    assert TOKEN not in repr(config.spark_api_token)
    assert config.spark_api_token is not None
    assert config.spark_api_token.reveal() == TOKEN
    assert set(config.secrets()) == {TOKEN, TOKEN + "x"}


def test_token_never_shown_in_errors(tmp_path):
    # A token that breaks a rule: the message names the input, never the value.
    schema = load_config_schema()
    assert schema["properties"]["spark-api-token"]["x-secret"] is True
    path = write(tmp_path, "c.json", json.dumps({"spark-api-token": 12345678}))
    with pytest.raises(ConfigError) as info:
        load_config({}, {}, path)
    assert "12345678" not in str(info.value)
    assert "'spark-api-token'" in str(info.value)


# ----------------------------------------------------------------------------- one list of inputs


def test_every_schema_input_is_a_config_field_and_back():
    fields = {f.name for f in dataclasses.fields(GateConfig)}
    assert {spec.attr for spec in input_specs().values()} == fields


def test_schema_defaults_match_dataclass_defaults():
    defaults = GateConfig()
    for spec in input_specs().values():
        assert getattr(defaults, spec.attr) == spec.default, spec.name


def test_every_input_is_described_with_a_fix():
    for spec in input_specs().values():
        assert spec.description, spec.name
        assert "x-fix" in spec.schema, spec.name


def test_issue_inputs_are_declared():
    names = set(input_specs())
    required = {
        "mode",
        "profile",
        "web-url",
        "executor-url",
        "ticker-url",
        "ws-url",
        "ws-pair",
        "duration",
        "samples",
        "report",
        "spark-api-url",
        "spark-api-token",
        "canary-file",
        "github-token",
    }
    assert required <= names


def test_thresholds_from_text_and_from_a_file(tmp_path):
    text = "web-health.latency_ms: p(95)<500, max<2000\n# a comment\nweb-health.ok: rate>=0.9\n"
    config = load_config({"thresholds": text}, {})
    assert config.thresholds == {
        "web-health.latency_ms": ("p(95)<500", "max<2000"),
        "web-health.ok": ("rate>=0.9",),
    }
    path = write(tmp_path, "t.yml", "thresholds:\n  executor-health.latency_ms: [p(99)<800]\n")
    assert load_config({}, {}, path).thresholds == {"executor-health.latency_ms": ("p(99)<800",)}


def test_min_samples_defaults_to_three_or_fewer_when_fewer_are_asked():
    assert load_config({}, {}).min_samples_required == 3
    assert load_config({"samples": "1"}, {}).min_samples_required == 1
    assert load_config({"samples": "9", "min-samples": "7"}, {}).min_samples_required == 7


def test_monitor_mode_watches_longer_unless_told():
    assert load_config({}, {}).window_s == 30
    assert load_config({"mode": "monitor"}, {}).window_s == 300
    assert load_config({"mode": "monitor", "duration": "45"}, {}).window_s == 45


@pytest.mark.parametrize(
    ("inputs", "count", "interval"),
    [
        # Every sample-interval from the window's start to its end, both included.
        ({}, 31, 1.0),
        ({"mode": "monitor"}, 301, 1.0),
        ({"duration": "2", "sample-interval": "0.2"}, 11, 0.2),
        # sample-interval 0 in a window: ten a second, not a busy loop.
        ({"duration": "2", "sample-interval": "0"}, 21, 0.1),
        # samples is the least: more than the interval gives are spread over the window.
        ({"duration": "10", "samples": "41"}, 41, 0.25),
        # A long window is capped at 100,000 samples, spread over all of it.
        (
            {"mode": "monitor", "duration": "86000", "sample-interval": "0", "timeout": "86400"},
            100_000,
            86000 / 99_999,
        ),
        # Rollback watches no window: samples times, sample-interval apart.
        ({"mode": "rollback"}, 5, 1.0),
        ({"mode": "rollback", "samples": "3", "sample-interval": "0"}, 3, 0.0),
    ],
)
def test_health_is_sampled_through_the_window_at_least_samples_times(inputs, count, interval):
    sampling = load_config(inputs, {}).sampling
    assert sampling.count == count
    assert sampling.interval_s == pytest.approx(interval)
    if sampling.window_s is not None and count > 1:
        # The last sample falls within the window, at or near its end.
        assert (count - 1) * sampling.interval_s <= sampling.window_s + 1e-9
        assert (count - 1) * sampling.interval_s > sampling.window_s - sampling.interval_s


def test_more_samples_than_the_window_holds_are_refused_at_start():
    with pytest.raises(ConfigError) as info:
        load_config({"samples": "50", "duration": "2"}, {})
    message = str(info.value)
    assert message.startswith("input 'samples' (flag --samples)")
    assert "50 samples do not fit in the observation window of 2 s, even 0.1 s apart" in message
    assert "fix: ask for at most 21 samples, or observe for at least 4.9 s" in message
    # Rollback has no window: the count is taken as it is.
    assert load_config({"samples": "50", "mode": "rollback"}, {}).sampling.count == 50


def test_a_window_of_health_sampling_must_fit_in_the_timeout():
    url = {"web-url": "http://127.0.0.1:9"}
    with pytest.raises(ConfigError, match=r"observation window of 30 s does not fit in timeout"):
        load_config({**url, "timeout": "20"}, {})
    # Rollback samples a count, which fits: (3 - 1) x 1 s + the 10 s http-timeout.
    assert load_config({**url, "timeout": "20", "mode": "rollback"}, {}).timeout == 20
    assert load_config({**url, "timeout": "20", "duration": "5"}, {}).window_s == 5


@pytest.mark.parametrize("value", ["nan", "inf", "-1048576"])
def test_a_frame_cap_that_is_no_cap_stops_the_run_at_start(run_cli, value):
    result = run_cli("run", "--ws-url", "ws://127.0.0.1:9/", "--ws-max-frame-bytes", value)
    assert result.code == 2, result.err
    (line,) = [x for x in result.err.splitlines() if "ws-max-frame-bytes" in x]
    assert "fix: give a whole number of bytes" in line
    assert "Traceback" not in result.err
