"""golive judge and golive merge: recorded evidence judged again with no network, and the
reports of many runners merged into one judgement. The reports are real: gate runs against
reference stacks on loopback, once per module."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from golive_action.cli import main
from golive_action.model import LatencyHistogram
from golive_action.report.jsonreport import report_problems
from golive_action.sandbox.stack import ReferenceStack
from golive_action.stats import percentile
from tests.conftest import stack_inputs

TOKEN = "tok-REJUDGE-7c1d9e"


def _gate(scenario: str, report: Path, **inputs: str) -> int:
    import dataclasses

    from golive_action.sandbox.scenarios import SCENARIOS

    # A real network's few milliseconds: a ping on loopback can take under one.
    base = SCENARIOS[scenario]
    delay = base.ws_inbound_delay_s or 0.005
    with ReferenceStack(dataclasses.replace(base, ws_inbound_delay_s=delay), token=TOKEN) as stack:
        given = stack_inputs(stack, **{"spark-api-token": TOKEN, **inputs})
        argv = ["run", "--report", str(report), "--canary-output", str(report) + ".canary"]
        for name, value in given.items():
            argv += [f"--{name}", value]
        return main(argv, environ={}, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """reports/<region>/golive-report.json: eu and us healthy, asia on a slow feed."""
    root = tmp_path_factory.mktemp("runs")
    codes = {}
    for region, scenario in (("eu", "healthy"), ("us", "healthy"), ("asia", "slow-ws")):
        folder = root / "reports" / region
        folder.mkdir(parents=True)
        codes[region] = _gate(
            scenario, folder / "golive-report.json", **{"ws-latency-max-ms": "500", "duration": "4"}
        )
    assert codes == {"eu": 0, "us": 0, "asia": 1}
    return root


def _copy(runs: Path, tmp_path: Path) -> Path:
    shutil.copytree(runs / "reports", tmp_path / "reports")
    return tmp_path / "reports"


def _report(path: Path) -> dict:
    return json.loads(path.read_text())


def test_a_report_says_what_it_was_judged_with_and_never_a_token(runs):
    report = _report(runs / "reports" / "eu" / "golive-report.json")
    assert report_problems(report) == []
    config = report["config"]
    assert config["secrets_given"] == ["spark-api-token"]
    assert config["inputs"]["ws-latency-max-ms"] == 500
    assert config["inputs"]["web-url"].startswith("http://127.0.0.1:")
    assert "report" not in config["inputs"]  # where to publish is the invocation's own
    assert TOKEN not in json.dumps(report)


# Every way out to the network, shut: a re-judgement that tried one would fail loudly.
_OFFLINE = """
import socket, sys
def refused(*args, **kwargs):
    sys.stderr.write("NETWORK USED\\n")
    raise OSError("network blocked by the test")
socket.socket.connect = refused
socket.socket.connect_ex = refused
socket.socket.sendto = refused
socket.create_connection = refused
socket.getaddrinfo = refused
from golive_action.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_judge_with_a_tighter_limit_is_no_go_with_networking_blocked(runs, tmp_path):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    before = evidence.read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", _OFFLINE, "judge", str(evidence), "--ws-latency-max-ms", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        timeout=120,
    )
    assert "NETWORK USED" not in done.stderr
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    again = _report(tmp_path / "golive-report.json")
    assert again["decision"] == "no-go"
    assert "ws-latency" in again["reason"] and ">= 1 ms" in again["reason"]
    latency = next(c for c in again["checks"] if c["id"] == "ws-latency")
    assert latency["verdict"] == "fail" and latency["thresholds"]["ping_ms"].startswith("p(95)<1 ")
    # The evidence is the same evidence: observations whole, the file untouched.
    assert again["observations"] == json.loads(before)["observations"]
    assert evidence.read_bytes() == before
    assert again["config"]["inputs"]["ws-latency-max-ms"] == 1
    assert report_problems(again) == []


def test_judge_unchanged_keeps_the_reports_own_limits_and_verdicts(runs, run_cli, tmp_path):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    result = run_cli("judge", str(evidence), "--report", "again.json")
    assert result.code == 0, result.out + result.err
    original, again = _report(evidence), _report(tmp_path / "again.json")
    assert [(c["id"], c["verdict"], c["thresholds"]) for c in again["checks"]] == [
        (c["id"], c["verdict"], c["thresholds"]) for c in original["checks"]
    ]
    assert again["decision"] == "go" and again["started_at"] == original["started_at"]
    assert TOKEN not in (tmp_path / "again.json").read_text() + result.out + result.err


def test_a_limit_given_now_wins_over_the_report_and_the_environment_counts_too(
    runs, run_cli, tmp_path
):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"

    def latency(*flags: str) -> dict:
        env = {"GOLIVE_WS_LATENCY_MAX_MS": "1"}
        result = run_cli("judge", str(evidence), "--report", "again.json", *flags, env=env)
        assert result.code in (0, 1), result.err
        checks = _report(tmp_path / "again.json")["checks"]
        return next(c for c in checks if c["id"] == "ws-latency")

    assert latency()["verdict"] == "fail"  # the environment's 1 ms over the report's 500
    held = latency("--ws-latency-max-ms", "5000")  # the flag over the environment
    assert held["verdict"] == "pass" and held["thresholds"]["ping_ms"].startswith("p(95)<5000 ")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (
            ["--web-url", "http://example.com"],
            "input 'web-url' (flag --web-url): says how the evidence",
        ),
        (["--ws-latency-max-ms", "nan"], "input 'ws-latency-max-ms'"),
        (["--health-rate-min", "150"], "input 'health-rate-min'"),
    ],
)
def test_bad_input_to_judge_is_one_line_and_exit_2_and_the_evidence_stays(
    runs, run_cli, tmp_path, extra, words
):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    before = evidence.read_bytes()
    result = run_cli("judge", str(evidence), "--report", str(evidence), *extra)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.err
    assert evidence.read_bytes() == before
    # Still closed: a NO-GO report at the default path.
    assert _report(tmp_path / "golive-report.json")["decision"] == "no-go"


def test_a_report_path_that_is_the_evidence_is_refused(runs, run_cli, tmp_path):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    before = evidence.read_bytes()
    result = run_cli("judge", str(evidence), "--report", str(evidence))
    assert result.code == 2
    assert "is also a report being judged" in result.err
    assert evidence.read_bytes() == before


def test_older_foreign_and_merged_reports_are_refused_with_the_version_read(
    runs, run_cli, tmp_path
):
    reports = _copy(runs, tmp_path)
    document = _report(reports / "eu" / "golive-report.json")
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({**document, "schema": "golive-report/0"}))
    result = run_cli("judge", str(foreign))
    assert result.code == 2
    assert "schema 'golive-report/0', not 'golive-report/1'" in result.err
    older = tmp_path / "older.json"
    older.write_text(json.dumps({k: v for k, v in document.items() if k != "config"}))
    result = run_cli("judge", str(older))
    assert result.code == 2 and "does not say the inputs it was judged with" in result.err
    assert (
        run_cli("merge", str(reports / "*" / "golive-report.json"), "--report", "m.json").code == 1
    )
    result = run_cli("judge", "m.json")
    assert result.code == 2 and "a merge of 3 runners' reports" in result.err


def _round_trips(report: dict) -> list[float]:
    ws = report["observations"]["ws"]
    limit = float(report["config"]["inputs"]["ws-latency-max-ms"])
    return [rtt for _, rtt in ws["pings"]] + [a for a in ws["pings_in_flight_ms"] if a >= limit]


def test_merge_of_three_runners_names_the_slow_one_and_pools_the_samples(runs, run_cli, tmp_path):
    reports = _copy(runs, tmp_path)
    summary = tmp_path / "summary.md"
    result = run_cli(
        "merge",
        str(reports / "*" / "golive-report.json"),
        "--report",
        "merged.json",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.code == 1, result.out + result.err
    merged = _report(tmp_path / "merged.json")
    assert report_problems(merged) == []
    assert merged["decision"] == "no-go"
    assert "ws fail:" in merged["reason"] and ": asia: " in merged["reason"]
    runners = {r["name"]: r for r in merged["merge"]["runners"]}
    assert sorted(runners) == ["asia", "eu", "us"]
    assert (
        runners["asia"]["decision"] == "no-go" and runners["asia"]["checks"]["ws-latency"] == "fail"
    )
    assert runners["eu"]["decision"] == "go" and runners["us"]["decision"] == "go"
    # Pooled: the p95 of every runner's round trips together, not an average of their p95s.
    pooled = [
        rtt
        for r in ("eu", "us", "asia")
        for rtt in _round_trips(_report(reports / r / "golive-report.json"))
    ]
    expected = round(percentile(pooled, 95), 3)
    latency = next(c for c in merged["checks"] if c["id"] == "ws-latency")
    assert latency["verdict"] == "fail" and latency["reason"].startswith("asia: ping p95 ")
    assert latency["metrics"]["latency_p95_ms"] == expected
    assert merged["headline"]["ws_latency_p95_ms"] == expected
    assert latency["metrics"]["pongs"] == len(pooled)
    assert latency["metrics"]["runners"] == {"eu": "pass", "us": "pass", "asia": "fail"}
    mean_of_p95s = (
        sum(
            percentile(_round_trips(_report(reports / r / "golive-report.json")), 95)
            for r in ("eu", "us", "asia")
        )
        / 3
    )
    assert expected != round(mean_of_p95s, 3)
    health = next(c for c in merged["checks"] if c["id"] == "web-health")
    samples = []
    for region in ("eu", "us", "asia"):
        columns = _report(reports / region / "golive-report.json")["observations"]["http"]
        web = columns["web-health"]
        samples += [
            ms
            for ms, again in zip(web["elapsed_ms"], web["confirmation"], strict=True)
            if not again and ms is not None
        ]
    assert health["metrics"]["latency_p95_ms"] == round(percentile(samples, 95), 3)
    text = summary.read_text()
    assert "**Runners** (3; at least 3 must report)" in text
    assert "| asia | ❌ NO-GO |" in text and "ws-latency" in text
    assert "Runners (3, at least 3 needed)" in result.out
    assert TOKEN not in text + result.out + (tmp_path / "merged.json").read_text()


def test_a_runner_that_sent_no_report_is_named_and_holds_the_gate(runs, run_cli, tmp_path):
    reports = _copy(runs, tmp_path)
    shutil.rmtree(reports / "asia")
    (reports / "broken").mkdir()
    (reports / "broken" / "golive-report.json").write_text("{not json")
    argv = [
        "merge",
        str(reports / "eu" / "golive-report.json"),
        str(reports / "us" / "golive-report.json"),
        str(reports / "asia" / "golive-report.json"),
        str(reports / "broken" / "golive-report.json"),
        "--report",
        "merged.json",
    ]
    result = run_cli(*argv)
    assert result.code == 1
    merged = _report(tmp_path / "merged.json")
    runners_check = merged["checks"][0]
    assert runners_check["id"] == "runners" and runners_check["verdict"] == "fail"
    assert "asia: no report" in runners_check["reason"]
    assert "broken: unreadable" in runners_check["reason"]
    assert merged["criteria"][0]["id"] == "runners"
    # Two of four are enough, says the user: the healthy two decide.
    result = run_cli(*argv, "--min-runners", "2")
    assert result.code == 0, result.out
    merged = _report(tmp_path / "merged.json")
    assert merged["decision"] == "go"
    assert "2 of 4 runners reported, 2 needed (min-runners)" in merged["checks"][0]["reason"]


def test_the_merge_input_of_run_merges_and_publish_false_writes_no_summary(runs, run_cli, tmp_path):
    reports = _copy(runs, tmp_path)
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = {
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "INPUT_MERGE": f"{reports}/eu/golive-report.json\n{reports}/us/golive-report.json",
    }
    result = run_cli("run", env=env)
    assert result.code == 0, result.out + result.err
    assert summary.read_text().count("**Runners** (2;") == 1
    assert "decision=go" in outputs.read_text()
    summary.unlink()
    result = run_cli("run", "--publish", "false", env=env)
    assert result.code == 0
    assert not summary.exists() or summary.read_text() == ""
    assert "decision=go" in outputs.read_text()


def test_histograms_merge_bucket_by_bucket():
    values = [0.3, 1.25, 7.0, 7.04, 999.9, 1500.5, 12_345.0, -2.0, 700_000.0]
    one, left, right = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for index, value in enumerate(values):
        one.add(value)
        (left if index % 2 else right).add(value)
    left.merge(right)
    assert left == one
    for q in (50, 90, 95, 99, 100):
        assert left.percentile(q) == one.percentile(q)


def test_a_reports_own_judgement_is_what_judging_it_again_gives(runs):
    """A merge takes a report's own judgement when the version and the inputs are the same:
    the judge is pure, so judging the report's observations again gives exactly it."""
    from golive_action.config import Recorded, judging_config
    from golive_action.judge import judge
    from golive_action.report.jsonreport import read_report

    for region in ("eu", "us", "asia"):
        report = read_report(str(runs / "reports" / region / "golive-report.json"))
        assert report.config is not None
        recorded = Recorded(report.config["inputs"], tuple(report.config["secrets_given"]))
        again = judge(report.observations, judging_config(recorded).limits())
        assert again.checks == report.checks, region
        assert again.triggers == report.triggers
        assert (again.decision, again.reason) == (report.decision, report.reason)
        assert again.unseen == {c.id for c in report.checks if not c.ran}
        assert "nginx-ws" in again.unseen  # no nginx-config: it did not run


def test_the_fast_schema_check_agrees_with_jsonschema(runs):
    from golive_action.report.jsonreport import ReportReader

    reader = ReportReader()
    good = _report(runs / "reports" / "eu" / "golive-report.json")
    assert reader.is_valid(good) and report_problems(good) == []

    def broken(change) -> dict:
        document = json.loads(json.dumps(good))
        change(document)
        return document

    web = ("observations", "http", "web-health")

    def column(name, index, value):
        def change(document):
            target = document
            for key in web:
                target = target[key]
            target[name][index] = value

        return change

    def drop(name):
        def change(document):
            target = document
            for key in web:
                target = target[key]
            del target[name]

        return change

    changes = [
        column("elapsed_ms", 1, "fast"),
        column("elapsed_ms", 1, -1.0),
        column("status", 0, True),
        column("status", 0, 200.5),
        column("error", 2, "two\nlines"),
        column("found", 0, ["not", "a", "map"]),
        column("found", 0, {"ws-pill": 3}),
        column("confirmation", 0, None),
        drop("at"),
        lambda d: d["observations"]["http"]["web-health"].update(extra=[]),
        lambda d: d.update(decision="maybe"),
        lambda d: d["checks"][0].update(ran="yes"),
        lambda d: d["config"]["secrets_given"].append("password"),
    ]
    for index, change in enumerate(changes):
        document = broken(change)
        assert not reader.is_valid(document), index
        assert report_problems(document) != [], index
    fine = broken(column("error", 2, "one line"))
    assert reader.is_valid(fine) and report_problems(fine) == []


def test_reports_that_do_not_read_back_are_refused_in_one_line(runs, run_cli, tmp_path):
    document = _report(runs / "reports" / "eu" / "golive-report.json")
    rows = json.loads(json.dumps(document))
    columns = rows["observations"]["http"]["web-health"]
    count = len(columns["at"])
    rows["observations"]["http"]["web-health"] = [
        {name: values[i] for name, values in columns.items()} for i in range(count)
    ]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    result = run_cli("judge", "rows.json", "--report", "out.json")
    assert result.code == 2
    assert "written by an earlier golive (it has no HTTP samples in columns)" in result.err
    uneven = json.loads(json.dumps(document))
    uneven["observations"]["http"]["web-health"]["at"].pop()
    (tmp_path / "uneven.json").write_text(json.dumps(uneven))
    result = run_cli("judge", "uneven.json", "--report", "out.json")
    assert result.code == 2 and "differ in length" in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_a_page_sampled_again_and_again_keeps_its_first_changed_and_last_bodies():
    from golive_action.observe.budget import Budget
    from golive_action.observe.http import HttpLimits, sample_endpoint
    from golive_action.observe.plan import PAGE_PATTERNS
    from tests.faulty import http_server

    served = []
    pages = [b"<p>WS</p>"] * 4 + [b"<p>Canl\xc4\xb1</p>"] * 3 + [b"<p>WS</p>"] * 2

    def handle(handler) -> None:
        body = pages[min(len(served), len(pages) - 1)]
        served.append(body)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with http_server(handle) as url:
        samples = sample_endpoint(
            "ui",
            url + "/btcturk",
            len(pages),
            0.0,
            HttpLimits(),
            Budget.lasting(30),
            find=PAGE_PATTERNS,
            repeated_bodies=False,
        )
    assert len(samples) == len(pages)
    kept = [i for i, s in enumerate(samples) if s.body_kept]
    # The first, each that answered other than the one before, and the last.
    changes = [0] + [i for i in range(1, len(samples)) if samples[i].found != samples[i - 1].found]
    assert kept == sorted({*changes, len(samples) - 1})
    assert all(s.body == "" and s.body_bytes > 0 for s in samples if not s.body_kept)
    assert all(s.body for s in samples if s.body_kept)


def test_a_threshold_on_any_metric_is_held_by_its_check(runs, run_cli, tmp_path):
    from golive_action.judge.metrics import SOURCES, problems

    assert problems() == []
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    given = "\n".join(
        [
            "ws-latency.ping_ms: p(95)<0.001",
            "ws-open.open_s: max<60",
            "ws-stability.reconnects: count<=0",
            "ui-responsive.latency_ms: p(99)<0.001, max<60000",
            "canary.latency_ms: max<60000",
            "event-latency.event_ms: p(50)<600000, count>=1",
        ]
    )
    result = run_cli("judge", str(evidence), "--report", "t.json", "--thresholds", given)
    assert result.code == 1, result.err
    checks = {c["id"]: c for c in _report(tmp_path / "t.json")["checks"]}
    latency = checks["ws-latency"]
    assert latency["verdict"] == "fail"
    assert "thresholds not met: ws-latency.ping_ms p(95)<0.001 (observed " in latency["reason"]
    assert latency["thresholds"]["ws-latency.ping_ms"] == "p(95)<0.001"
    page = checks["ui-responsive"]
    assert page["verdict"] == "fail" and "ui-responsive.latency_ms p(99)<0.001" in page["reason"]
    assert "max<60000" not in page["reason"]  # the one that holds is not named as broken
    for held in ("ws-open", "ws-stability", "canary", "event-latency"):
        assert checks[held]["verdict"] == "pass", checks[held]["reason"]
        assert any(k.startswith(held + ".") for k in checks[held]["thresholds"]), held
    # Every metric of the catalog has a check of its name.
    assert all(metric.split(".")[0] == source.check for metric, source in SOURCES.items())


def test_an_unknown_metric_is_refused_with_the_nearest_names(run_cli):
    result = run_cli("judge", "none.json", "--thresholds", "ws-latency.pingms: p(95)<100")
    assert result.code == 2
    assert "unknown metric 'ws-latency.pingms' (did you mean 'ws-latency.ping_ms'" in result.err


def test_a_merge_names_a_runner_whose_report_does_not_read_back_and_goes_on(
    runs, run_cli, tmp_path
):
    reports = _copy(runs, tmp_path)
    shutil.rmtree(reports / "asia")
    uneven = _report(reports / "eu" / "golive-report.json")
    uneven["observations"]["http"]["web-health"]["status"].pop()
    (reports / "uneven").mkdir()
    (reports / "uneven" / "golive-report.json").write_text(json.dumps(uneven))
    refused = _report(reports / "eu" / "golive-report.json")
    refused["config"]["inputs"]["duration"] = "abc"
    (reports / "refused").mkdir()
    (reports / "refused" / "golive-report.json").write_text(json.dumps(refused))
    glob = str(reports / "*" / "golive-report.json")
    result = run_cli("merge", glob, "--report", "m.json")
    assert result.code == 1, result.err
    check = _report(tmp_path / "m.json")["checks"][0]
    assert "uneven: unreadable: the columns of its web-health samples differ" in check["reason"]
    assert (
        "refused: unreadable: its recorded inputs are refused (input 'duration'"
        in (check["reason"])
    )
    result = run_cli("merge", glob, "--report", "m.json", "--min-runners", "2")
    assert result.code == 0, _report(tmp_path / "m.json")["reason"]


def test_in_actions_a_default_of_action_yml_never_replaces_a_reports_own_limit(
    runs, run_cli, tmp_path
):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    # A run held to a page load under 0.001 ms: NO-GO, and the report says so.
    strict = tmp_path / "strict" / "golive-report.json"
    strict.parent.mkdir()
    assert (
        run_cli("judge", str(evidence), "--ui-p95-max-ms", "0.001", "--report", str(strict)).code
        == 1
    )
    actions = {
        "GITHUB_ACTIONS": "true",
        "INPUT_MERGE": str(strict),
        "INPUT_MODE": "go-live",  # what action.yml gives a step that leaves them out
        "INPUT_UI_P95_MAX_MS": "2000",
        "INPUT_HEALTH_RATE_MIN": "99.5",
        "INPUT_REPORT": "m.json",
    }
    held = run_cli("run", env=actions)
    assert held.code == 1, held.out
    page = next(c for c in _report(tmp_path / "m.json")["checks"] if c["id"] == "ui-responsive")
    assert page["verdict"] == "fail" and page["thresholds"]["latency_ms"].startswith("p(95)<0.001")
    # A value the step gave (not the default) is this invocation's limit.
    loose = run_cli("run", env={**actions, "INPUT_UI_P95_MAX_MS": "3000"})
    assert loose.code == 0, loose.out


def test_a_refused_run_of_the_merge_input_never_writes_over_the_evidence(runs, run_cli, tmp_path):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    before = evidence.read_bytes()
    env = {
        "INPUT_MERGE": str(evidence),
        "INPUT_HEALTH_RATE_MIN": "abc",
        "INPUT_REPORT": str(evidence),
    }
    result = run_cli("run", env=env)
    assert result.code == 2 and "health-rate-min" in result.err
    assert evidence.read_bytes() == before
    empty = run_cli("run", env={"INPUT_MERGE": " , ", "INPUT_REPORT": "x.json"})
    assert empty.code == 2 and "input 'merge'" in empty.err and "names no file" in empty.err


def test_judge_reads_no_evidence_input_from_a_config_file_and_no_token_from_a_report(
    runs, run_cli, tmp_path
):
    evidence = _copy(runs, tmp_path) / "eu" / "golive-report.json"
    # The run's own config file: its access log is long gone, its window longer than now.
    (tmp_path / "gate.yml").write_text("access-log: /nonexistent/access.log\nduration: 9000\n")
    result = run_cli("judge", str(evidence), "--config", "gate.yml", "--report", "a.json")
    assert result.code == 0, result.err
    forged = _report(evidence)
    forged["config"]["inputs"]["github-token"] = "0"
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    result = run_cli("judge", "forged.json", "--report", "b.json")
    again = (tmp_path / "b.json").read_text()
    assert "127.0.0.1" in again and "***" not in json.loads(again)["config"]["inputs"]["web-url"]
    assert json.loads(again)["config"]["secrets_given"] == ["spark-api-token"]


def test_runner_names_are_each_one_once():
    from golive_action.rejudge import runner_names

    assert runner_names(["r/eu/golive-report.json", "r/us/golive-report.json"]) == ["eu", "us"]
    assert runner_names(["b.json", "x/b.json", "y/b (2).json"]) == ["b", "x/b", "y/b (2)"]
    names = runner_names(["a/b.json", "c/a/b.json"])
    assert len(set(names)) == 2


def test_a_merge_refuses_a_report_whose_go_its_observations_do_not_give(runs, run_cli, tmp_path):
    """asia's report edited by hand after the run: its NO-GO turned GO and every check a
    pass. Its observations still say NO-GO: the merge names it refused, and it holds the
    gate as a runner without a report."""
    reports = _copy(runs, tmp_path)
    edited = reports / "asia" / "golive-report.json"
    document = _report(edited)
    assert document["decision"] == "no-go"
    document["decision"] = "go"
    document["reason"] = "all criteria passed"
    for check in document["checks"]:
        if check["verdict"] == "fail":
            check["verdict"] = "pass"
    for criterion in document["criteria"]:
        criterion["verdict"] = "pass"
    edited.write_text(json.dumps(document))
    result = run_cli("merge", str(reports / "*" / "golive-report.json"), "--report", "merged.json")
    assert result.code == 1, result.out
    merged = _report(tmp_path / "merged.json")
    assert merged["decision"] == "no-go"
    runners_check = merged["checks"][0]
    assert runners_check["verdict"] == "fail"
    assert "asia: refused: it says GO, its observations give NO-GO" in runners_check["reason"]
    assert "changed after the run" in runners_check["reason"]
    asia = next(r for r in merged["merge"]["runners"] if r["name"] == "asia")
    assert asia["decision"] is None


def test_copies_of_one_report_count_once(runs, run_cli, tmp_path):
    reports = _copy(runs, tmp_path)
    shutil.copytree(reports / "eu", reports / "eu-again")
    result = run_cli(
        "merge",
        str(reports / "eu" / "golive-report.json"),
        str(reports / "eu-again" / "golive-report.json"),
        str(reports / "us" / "golive-report.json"),
        "--report",
        "merged.json",
    )
    assert result.code == 0, result.out
    merged = _report(tmp_path / "merged.json")
    runners_check = merged["checks"][0]
    assert runners_check["metrics"]["runners"] == 2 and runners_check["metrics"]["reported"] == 2
    assert merged["merge"]["min_runners"] == 2
    copy = next(r for r in merged["merge"]["runners"] if r["name"] == "eu-again")
    assert copy["problem"] == "a copy of eu's report (the same run): counted once"
    # Its samples are pooled once: the pooled round trips are eu's and us's.
    eu, us = (_report(reports / r / "golive-report.json") for r in ("eu", "us"))
    pings = len(eu["observations"]["ws"]["pings"]) + len(us["observations"]["ws"]["pings"])
    assert merged["merge"]["pooled"]["ws_round_trips"] == pings


def _tampered(document: dict, change) -> dict:
    copy = json.loads(json.dumps(document))
    change(copy["observations"])
    return copy


def _set_pings(value):
    def change(observations):
        observations["ws"]["pings"] = [[p[0], value] for p in observations["ws"]["pings"]]

    return change


@pytest.mark.parametrize(
    ("name", "change", "words"),
    [
        ("string round trips", _set_pings("nan"), "observations/ws/pings/0/1"),
        ("infinite round trips", _set_pings("inf"), "observations/ws/pings/0/1"),
        ("negative round trips", _set_pings(-5.0), "observations/ws/pings/0/1"),
        (
            "a string latency bucket",
            lambda o: o["ws"]["event_latency"].update(count="7"),
            "observations/ws/event_latency/count",
        ),
        (
            "a negative clock uncertainty",
            lambda o: o.update(clock={"url": "http://c", "skew_ms": 1.0, "uncertainty_ms": -3}),
            "observations/clock/uncertainty_ms",
        ),
        (
            "a string status",
            lambda o: o["http"]["web-health"]["status"].__setitem__(0, "200"),
            "observations/http/web-health/status/0",
        ),
        (
            "an unknown field of the feed",
            lambda o: o["ws"].update(verdict="pass"),
            "observations/ws",
        ),
        # Of the right types, but not all true at once.
        (
            "a window that ends before it starts",
            lambda o: o.update(finished_at=o["started_at"] - 10),
            "finished_at is before started_at",
        ),
        (
            "a sample far outside the window",
            lambda o: o["http"]["web-health"]["at"].__setitem__(0, 1e18),
            "outside the run's window",
        ),
        (
            "more round trips than pings sent",
            lambda o: o["ws"].update(pings=o["ws"]["pings"] * 50),
            "pings sent",
        ),
    ],
)
def test_judge_refuses_evidence_of_the_wrong_type(runs, run_cli, tmp_path, name, change, words):
    """Numbers where numbers stand, in every observation: a report whose round trips are
    the strings "nan" or "inf", or negative, is refused (exit 2), never judged GO."""
    document = _report(runs / "reports" / "eu" / "golive-report.json")
    (tmp_path / "tampered.json").write_text(json.dumps(_tampered(document, change)))
    result = run_cli("judge", "tampered.json", "--report", "out.json")
    assert result.code == 2, (name, result.out)
    assert words in result.err, (name, result.err)
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert json.loads((tmp_path / "out.json").read_text())["decision"] == "no-go"
