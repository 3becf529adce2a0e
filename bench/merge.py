"""Merging the reports of 100 runners, each a 10-minute monitor run (README "Merging
runners"): `golive merge` reads, checks against the schema, judges and pools them all, then
writes one report.

The reports are real ones, stretched: a monitor gate runs against the reference stack for
20 s (the health endpoints and the page sampled every second, as by default, pings every
2 s), and its observations are repeated along the time axis to 10 minutes (1,800 HTTP
samples, 300 pings, the page's repeated bodies let go as the probe lets them go), judged
with a 10-minute monitor's limits and written 100 times, one folder per runner.

Each trial runs in a process of its own (fresh memory): the merge, timed from the first
read to the merged report written, and its peak resident memory. Two baselines, in the same
run: a process that only reads the same 100 files and parses their JSON, the floor under
any merge; and one that judges each report again, one after the other, as `golive judge`
does (read, checked, its observations judged): a merge takes no report's word for its
decision, so that is the floor under a merge that trusts nothing. Trials repeat until the
medians are stable.

Budgets (ratios: they hold on any machine): the merge within 1.25x judging each report
again (what the merge adds: pooling, the merged judgement, one report written), and within
10x the bare parse (judging again is most of it: some 30 ms a 10-minute report here). The
issue's figures, under 2 s and under 200 MB, are printed beside them for this machine.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Budget, finish, until_stable

RUNNERS = 100
WINDOW_S = 20.0
STRETCH = 30  # 20 s x 30 = 10 minutes

_MERGE = """
import resource, sys, time
start = time.perf_counter()
from golive_action.config import GateConfig
from golive_action.rejudge import Sources, merge_reports
from golive_action.report.jsonreport import write_report
report = merge_reports([sys.argv[1]], Sources({}, {}), None, GateConfig(mode="monitor"))
write_report(report, sys.argv[2])
elapsed = time.perf_counter() - start
assert len(report.merge.runners) == int(sys.argv[3]), len(report.merge.runners)
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

_JUDGE_EACH = """
import glob, resource, sys, time
start = time.perf_counter()
from golive_action.judge import judge
from golive_action.rejudge import Sources, judging_config_of, read_evidence
from golive_action.report.jsonreport import ReportReader
reader = ReportReader()  # the schema compiled once, as a merge compiles it
documents = 0
for path in sorted(glob.glob(sys.argv[1])):
    report = read_evidence(path, reader)
    judge(report.observations, judging_config_of(report, path, Sources({}, {})).limits())
    documents += 1
elapsed = time.perf_counter() - start
assert documents == int(sys.argv[3])
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

_FLOOR = """
import glob, json, resource, sys, time
start = time.perf_counter()
documents = 0
for path in sorted(glob.glob(sys.argv[1])):
    with open(path, "rb") as handle:
        json.loads(handle.read())
    documents += 1
elapsed = time.perf_counter() - start
assert documents == int(sys.argv[3])
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def ten_minute_report(folder: Path) -> Path:
    """One monitor run of WINDOW_S against the reference stack, stretched to 10 minutes."""
    from golive_action.config import load_config, recorded_inputs
    from golive_action.judge import judge
    from golive_action.model import GateReport
    from golive_action.observe.http import drop_repeated_body
    from golive_action.rejudge import _report
    from golive_action.report.jsonreport import write_report
    from golive_action.runner import run_gate
    from golive_action.sandbox import github_api
    from golive_action.sandbox.stack import ReferenceStack

    with ReferenceStack("healthy", github_token="bench-token") as stack:
        inputs = {
            "mode": "monitor",
            "web-url": stack.urls["web_url"],
            "executor-url": stack.urls["executor_url"],
            "ws-url": stack.urls["ws_url"],
            "duration": str(WINDOW_S),
            # The trends and the canary pass rate, from the stack's GitHub stand-in.
            "github-api-url": stack.urls["github_api_url"],
            "github-token": "bench-token",
            "github-repository": github_api.REPOSITORY,
            "canary-workflow": github_api.WORKFLOW_FILE,
            "trend-workflow": github_api.WORKFLOW_FILE,
            "github-run-id": str(github_api.CURRENT_RUN_ID),
        }
        short = run_gate(load_config(inputs, {}))
    assert short.decision.value == "go", short.reason
    observations = short.observations
    span = WINDOW_S
    for probe, samples in list(observations.http.items()):
        if len(samples) < 3:
            continue  # read once (the ticker, the flag): once in 10 minutes too
        stretched: list = []
        for copy in range(STRETCH):
            for sample in samples:
                stretched.append(dataclasses.replace(sample, at=sample.at + copy * span))
                if probe == "ui":
                    drop_repeated_body(stretched)
        observations.http[probe] = stretched
    ws = observations.ws
    assert ws is not None
    ws.pings = [(at + copy * span, ms) for copy in range(STRETCH) for at, ms in ws.pings]
    ws.pings_sent *= STRETCH
    ws.messages = {kind: count * STRETCH for kind, count in ws.messages.items()}
    ws.spread_updates *= STRETCH
    ws.event_latency.counts = {b: c * STRETCH for b, c in ws.event_latency.counts.items()}
    ws.event_latency.count *= STRETCH
    ws.silences = [
        (channel, start + copy * span, end + copy * span)
        for copy in range(STRETCH)
        for channel, start, end in ws.silences
    ]
    ws.last_at = {channel: at + (STRETCH - 1) * span for channel, at in ws.last_at.items()}
    for connection in ws.connections:
        if connection.closed_at is not None:
            connection.closed_at += (STRETCH - 1) * span
    ws.ended_at += (STRETCH - 1) * span
    observations.finished_at += (STRETCH - 1) * span
    inputs["duration"] = str(WINDOW_S * STRETCH)
    inputs["timeout"] = str(WINDOW_S * STRETCH + 60)
    config = load_config(inputs, {})
    judgement = judge(observations, config.limits())
    report: GateReport = _report(
        judgement, config, observations, short.started_at, WINDOW_S * STRETCH
    )
    assert report.decision.value == "go", report.reason
    assert report.config == recorded_inputs(config)
    path = folder / "template.json"
    write_report(report, str(path))
    return path


def trial(script: str, pattern: str, out: Path) -> tuple[float, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, pattern, str(out), str(RUNNERS)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    seconds, peak = done.stdout.split()
    return float(seconds), float(peak)


def main() -> int:
    print(__doc__.split("\n\n")[0])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        template = ten_minute_report(root)
        size = template.stat().st_size
        document = json.loads(template.read_text())
        samples = sum(len(c["at"]) for c in document["observations"]["http"].values())
        print(
            f"one report: {size / 1e6:.2f} MB, {samples} HTTP samples, "
            f"{len(document['observations']['ws']['pings'])} pings, decision "
            f"{document['decision']}"
        )
        text = template.read_text()
        started = document["started_at"]
        for index in range(RUNNERS):
            folder = root / "reports" / f"runner-{index:03d}"
            folder.mkdir(parents=True)
            # A run of its own each (a merge counts copies of one run once): its own start.
            own = started[:-9] + f"{index:03d}" + started[-6:]  # the ms of ...:00.123+00:00
            runner = text.replace(f'"started_at": "{started}"', f'"started_at": "{own}"', 1)
            (folder / "golive-report.json").write_text(runner)
        pattern = str(root / "reports" / "*" / "golive-report.json")
        merged = root / "merged.json"
        merges: list[tuple[float, float]] = []
        floors: list[tuple[float, float]] = []
        judged: list[tuple[float, float]] = []

        def ratio(n: int) -> float:
            merges.append(trial(_MERGE, pattern, merged))
            judged.append(trial(_JUDGE_EACH, pattern, merged))
            floors.append(trial(_FLOOR, pattern, merged))
            return merges[-1][0] / judged[-1][0]

        ratios = until_stable(ratio, least=5, most=15)
        merge_s = statistics.median(m for m, _ in merges)
        merge_mb = statistics.median(p for _, p in merges)
        floor_s = statistics.median(f for f, _ in floors)
        floor_mb = statistics.median(p for _, p in floors)
        judged_s = statistics.median(j for j, _ in judged)
        figure = statistics.median(ratios)
        parse_ratio = statistics.median(m[0] / f[0] for m, f in zip(merges, floors, strict=True))
        print(
            f"merge of {RUNNERS} reports: {merge_s:.2f} s, peak RSS {merge_mb:.0f} MB "
            f"({len(merges)} trials)"
        )
        print(f"floor (read and parse the same files): {floor_s:.2f} s, peak RSS {floor_mb:.0f} MB")
        print(f"judging each report again, one by one: {judged_s:.2f} s")
        print(f"merge / judging each again: {figure:.2f}x; merge / floor: {parse_ratio:.2f}x")
        print(
            f"the issue's figures on this machine: {merge_s:.2f} s (under 2 s: "
            f"{'yes' if merge_s < 2 else 'no'}), {merge_mb:.0f} MB (under 200 MB: "
            f"{'yes' if merge_mb < 200 else 'no'})"
        )
    return finish(
        [
            Budget("merge 100 reports vs judging each again", figure, 1.25, "x"),
            Budget("merge 100 reports vs parsing them", parse_ratio, 10.0, "x"),
            Budget("merge 100 reports peak memory", merge_mb, 200.0, " MB"),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
