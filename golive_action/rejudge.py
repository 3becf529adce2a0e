"""Recorded evidence judged again, with no network (README "Judging again" and "Merging
runners"): ``golive judge`` reads one report's observations and judges them with this
invocation's limits; ``golive merge`` (and the ``merge`` input) does so for each runner's
report and merges their judgements into one (``judge/merge.py``). Neither ever raises for a
bad report: one that cannot be read is a usage error for ``judge``, and a runner that sent
no usable report for ``merge``."""

from __future__ import annotations

import contextlib
import gc
import glob
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from golive_action._version import __version__
from golive_action.config import (
    ConfigError,
    GateConfig,
    Recorded,
    judging_config,
    recorded_inputs,
)
from golive_action.ids import GATE_ID
from golive_action.judge import Judgement, judge
from golive_action.judge.merge import RunnerJudged, merge_judgements, pool_of
from golive_action.limits import Limits
from golive_action.model import (
    GateReport,
    MergeRecord,
    Observations,
    RunnerRecord,
    WsObservation,
)
from golive_action.report.jsonreport import ReportError, ReportReader
from golive_action.text import Redactor, iso_time, one_line

# The report schema this version reads: README "The JSON report".
ACCEPTED = "golive-report/1"


class EvidenceError(ValueError):
    """Evidence that cannot be judged again: one line, the file and the fix."""


@dataclass(frozen=True)
class Sources:
    """Where the judgement's inputs come from, besides each report (as ``load_config``)."""

    flags: Mapping[str, str | None]
    environ: Mapping[str, str]
    config_file: str | None = None
    step_inputs: bool = False


def read_evidence(path: str, reader: ReportReader | None = None) -> GateReport:
    """A report that can be judged again, whole: readable, valid, of this schema version,
    with the inputs it was judged with, of one runner. Raises EvidenceError."""
    return _evidence(path, reader or ReportReader(), whole=True)[0]


def _evidence(path: str, reader: ReportReader, whole: bool) -> tuple[GateReport, dict[str, Any]]:
    try:
        report, document = reader.read_judgement(path, whole)
    except ReportError as exc:
        raise EvidenceError(f"evidence {exc}") from None
    fix = "give a report written by golive run or demo (golive 0.x, schema " + ACCEPTED + ")"
    if report.merge is not None:
        raise EvidenceError(
            f"evidence '{path}': a merge of {len(report.merge.runners)} runners' reports, "
            "which keeps their judgements, not their observations; fix: give golive merge the "
            "runners' own reports"
        )
    if report.config is None:
        raise EvidenceError(
            f"evidence '{path}': it does not say the inputs it was judged with (a refused "
            f"run, or a report of an earlier golive); fix: {fix}"
        )
    return report, document


def judging_config_of(report: GateReport, path: str, sources: Sources) -> GateConfig:
    """The report's evidence inputs as they were, this invocation's limits over its own."""
    config = report.config or {}
    inputs = config.get("inputs")
    secrets_given = config.get("secrets_given", [])
    if not isinstance(inputs, dict):
        raise EvidenceError(
            f"evidence '{path}': its config has no inputs; fix: give a report golive wrote"
        )
    recorded = Recorded(inputs, tuple(secrets_given), f"report '{path}'")
    return judging_config(
        recorded, sources.flags, sources.environ, sources.config_file, sources.step_inputs
    )


def judge_again(path: str, sources: Sources) -> GateReport:
    """``golive judge REPORT``: one report's observations judged with this invocation's
    limits. Raises EvidenceError or ConfigError (a usage error: exit 2)."""
    recorded = read_evidence(path)
    config = judging_config_of(recorded, path, sources)
    judgement = judge(recorded.observations, config.limits())
    report = _report(
        judgement, config, recorded.observations, recorded.started_at, recorded.duration_s
    )
    return Redactor(config.secrets()).tree(report)


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True)
class Expected:
    """A runner a merge expects: the file found for it, or the path or glob that found
    none (``path`` None)."""

    name: str
    source: str
    path: str | None


_GLOB_CHARS = frozenset("*?[")


def expected_runners(patterns: Sequence[str]) -> list[Expected]:
    """Each plain path is one runner; each glob, one runner per file it matches (in name
    order), or one missing runner when it matches none. A file found twice counts once."""
    found: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for pattern in patterns:
        # A path that is there is that path, even with [ in its name; else it may be a glob.
        if _GLOB_CHARS & set(pattern) and not os.path.lexists(pattern):
            matches = sorted(m for m in glob.glob(pattern, recursive=True) if not os.path.isdir(m))
        else:
            matches = [pattern] if os.path.lexists(pattern) else []
        if not matches:
            found.append((pattern, None))
            continue
        for match in matches:
            real = os.path.realpath(match)
            if real not in seen:
                seen.add(real)
                found.append((match, match))
    names = runner_names([source for source, _ in found])
    return [Expected(n, s, p) for n, (s, p) in zip(names, found, strict=True)]


def runner_names(paths: Sequence[str]) -> list[str]:
    """What sets each path apart from the others: ``reports/eu/golive-report.json`` and
    ``reports/us/golive-report.json`` are ``eu`` and ``us``; one file alone is its stem."""
    split = [
        [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")] for path in paths
    ]
    if not split:
        return []
    head = 0
    while all(len(s) > head + 1 for s in split) and len({s[head] for s in split}) == 1:
        head += 1
    tail = 0
    while (
        len(split) > 1
        and all(len(s) > head + tail + 1 for s in split)
        and len({s[-1 - tail] for s in split}) == 1
    ):
        tail += 1
    names = []
    for parts in split:
        middle = parts[head : len(parts) - tail] or parts[-1:]
        name = "/".join(middle)
        if tail == 0 and name.endswith(".json"):
            name = name[: -len(".json")]
        names.append(one_line(name, 80) or "runner")
    # Two paths that give one name (a cut that is not enough): numbered, each name once.
    taken: set[str] = set()
    unique = []
    for name in names:
        candidate, number = name, 1
        while candidate in taken:
            number += 1
            candidate = f"{name} ({number})"
        taken.add(candidate)
        unique.append(candidate)
    return unique


def merge_reports(
    patterns: Sequence[str],
    sources: Sources,
    min_runners: int | None,
    fallback: GateConfig,
    cancel: threading.Event | None = None,
) -> GateReport:
    """``golive merge``: each runner's report judged with this invocation's limits, one at a
    time (its observations are let go once its samples are pooled), then merged. A report
    that cannot be read is a runner without a report; once ``cancel`` is set, the reports
    not read yet are runners without one. Raises ConfigError when this
    invocation's inputs cannot judge a report (a usage error: exit 2)."""
    with _collector_paused():
        expected = expected_runners(patterns)
        reader = ReportReader()
        runners: list[RunnerJudged] = []
        judgings: dict[str, _Judging] = {}
        first: GateConfig | None = None
        started: list[float] = []
        finished: list[float] = []
        secrets: list[str] = []
        seen_runs: dict[tuple[str, float, float], str] = {}
        for runner in expected:
            if runner.path is None:
                runners.append(
                    RunnerJudged(runner.name, runner.source, problem="no report: no file matched")
                )
                continue
            try:
                recorded, document = _evidence(runner.path, reader, whole=False)
            except EvidenceError as exc:
                runners.append(
                    RunnerJudged(runner.name, runner.source, problem=f"unreadable: {_cut_fix(exc)}")
                )
                continue
            # Runners of one matrix were configured alike: their configuration is built once.
            key = json.dumps(recorded.config, sort_keys=True, default=str)
            judging = judgings.get(key)
            if judging is None:
                try:
                    judging = _Judging.of(judging_config_of(recorded, runner.path, sources))
                except ConfigError as exc:
                    if f"report '{runner.path}'" not in str(exc):
                        raise  # this invocation's input, against this evidence: a usage error
                    problem = f"unreadable: its recorded inputs are refused ({_cut_fix(exc)})"
                    runners.append(RunnerJudged(runner.name, runner.source, problem=problem))
                    continue
                judgings[key] = judging
                secrets.extend(judging.config.secrets())
            if first is None:
                first = judging.config
            elif judging.config.mode != first.mode:
                problem = (
                    f"a {judging.config.mode} run, where the first report is a {first.mode} "
                    "run (give --mode to judge every runner in one)"
                )
                runners.append(RunnerJudged(runner.name, runner.source, problem=problem))
                continue
            evidence = document["observations"]
            uneven = _uneven_columns(evidence)
            if uneven is not None:
                problem = f"unreadable: {uneven}"
                runners.append(RunnerJudged(runner.name, runner.source, problem=problem))
                continue
            try:
                judgement = _judgement(recorded, evidence, judging)
                ws = WsObservation.from_dict(evidence["ws"]) if evidence.get("ws") else None
                pool = pool_of(ws, evidence["http"], judging.limits)
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                problem = f"unreadable: its observations do not read back ({type(exc).__name__})"
                runners.append(RunnerJudged(runner.name, runner.source, problem=problem))
                continue
            except _JudgementChanged as exc:
                runners.append(RunnerJudged(runner.name, runner.source, problem=str(exc)))
                continue
            # Judged first, so that a changed copy is refused or unreadable as itself.
            identity = _run_identity(recorded)
            if identity in seen_runs:
                copy = seen_runs[identity]
                problem = f"a copy of {copy}'s report (the same run): counted once"
                runners.append(
                    RunnerJudged(runner.name, runner.source, problem=problem, copy_of=copy)
                )
                continue
            seen_runs[identity] = runner.name
            runners.append(
                RunnerJudged(runner.name, runner.source, judgement, pool, recorded.started_at)
            )
            started.append(recorded.observations.started_at)
            finished.append(recorded.observations.finished_at)
        config = first or fallback
        merged = merge_judgements(runners, config.limits(), min_runners)
        now = time.time()
        observations = Observations(min(started, default=now), max(finished, default=now))
        counted = [r for r in runners if r.copy_of is None]
        record = MergeRecord(
            tuple(_record(r) for r in runners),
            len(counted) if min_runners is None else min_runners,
            merged.pooled,
        )
        started_at = min((r.started_at for r in runners if r.started_at), default=None)
        duration = max(observations.finished_at - observations.started_at, 0.0)
        report = _report(merged.judgement, config, observations, started_at, duration, record)
        return Redactor(secrets).tree(report)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector would walk every report's parsed document again and again as
    they are made (a sixth of the merge's time); a merge makes no cycles, and each document
    is freed by its last reference as soon as it is pooled."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@dataclass(frozen=True)
class _Judging:
    """A configuration to judge reports with, its limits, and the inputs it records."""

    config: GateConfig
    limits: Limits
    recorded: Mapping[str, Any]

    @classmethod
    def of(cls, config: GateConfig) -> _Judging:
        return cls(config, config.limits(), recorded_inputs(config))


class _JudgementChanged(Exception):
    """A report whose judgement is not what its own observations give with its own inputs:
    it was changed after the run (or by another golive), and is not evidence."""


def _judgement(report: GateReport, evidence: dict[str, Any], judging: _Judging) -> Judgement:
    """The report's observations (``evidence``, as the report holds them) judged with
    ``judging``'s limits: a merge never takes a report's word for its decision. Where
    judging again must give the report's own judgement (the judge is pure: the same version,
    the same inputs and the same observations judge alike; a report closed by a fault of
    the gate, or of its publishing, is judged again), a report that says otherwise is
    refused (:class:`_JudgementChanged`)."""
    judgement = judge(Observations.from_dict(evidence), judging.limits)
    same = (
        report.version == __version__
        and report.check(GATE_ID) is None
        and report.config == judging.recorded
    )
    if same:
        said = (report.decision, {c.id: c.verdict for c in report.checks})
        given = (judgement.decision, {c.id: c.verdict for c in judgement.checks})
        if said != given:
            changed = sorted(
                check
                for check in set(said[1]) | set(given[1])
                if said[1].get(check) != given[1].get(check)
            )
            raise _JudgementChanged(
                f"refused: it says {report.decision.value.upper()}, its observations give "
                f"{judgement.decision.value.upper()}"
                + (f" ({', '.join(changed[:5])} differ)" if changed else "")
                + ": changed after the run"
            )
    return judgement


def _run_identity(report: GateReport) -> tuple[str, float, float]:
    """What sets one run apart from every other: its start, and its window's start and end
    to the microsecond. Two files alike in these are copies of one run's report."""
    return (report.started_at, report.observations.started_at, report.observations.finished_at)


def _uneven_columns(evidence: dict[str, Any]) -> str | None:
    """An endpoint whose sample columns differ in length: the report does not read back
    (``Observations.from_dict`` refuses it), and a merge that keeps the report's own
    judgement refuses it too."""
    for probe, columns in evidence["http"].items():
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            return f"the columns of its {probe} samples differ in length ({sorted(lengths)})"
    return None


def _cut_fix(exc: Exception) -> str:
    return str(exc).split("; fix:", 1)[0]


def _record(runner: RunnerJudged) -> RunnerRecord:
    judgement = runner.judgement
    if judgement is None:
        return RunnerRecord(runner.name, runner.source, problem=runner.problem)
    return RunnerRecord(
        runner.name,
        runner.source,
        judgement.decision,
        judgement.reason,
        runner.started_at,
        {c.id: c.verdict for c in judgement.checks},
        tuple(t.id for t in judgement.triggers if t.fired),
        judgement.headline,
    )


def _report(
    judgement: Judgement,
    config: GateConfig,
    observations: Observations,
    started_at: str | None,
    duration_s: float,
    merge: MergeRecord | None = None,
) -> GateReport:
    return judgement.report(
        mode=config.mode,
        profile=config.profile,
        started_at=started_at or iso_time(observations.started_at),
        duration_s=duration_s,
        observations=observations,
        version=__version__,
        config=recorded_inputs(config),
        merge=merge,
    )
