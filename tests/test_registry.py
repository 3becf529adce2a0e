"""The registry of checks is the one list: every check judged feeds a criterion, every
criterion names checks the registry defines, and what it says of a check is true."""

from __future__ import annotations

import dataclasses
import re

import pytest

from golive_action.config import GateConfig
from golive_action.ids import (
    CHECK_IDS,
    CRITERION_IDS,
    GATE_ID,
    MODES,
    PROBE_IDS,
    RUNNERS_ID,
    TRIGGER_IDS,
)
from golive_action.judge import judge
from golive_action.judge.matrix import MATRIX
from golive_action.judge.registry import (
    CHECKS,
    CRITERIA,
    CriterionSpec,
    Evidence,
    UndeclaredEvidence,
    checks_for,
    registry_problems,
    spec,
)
from golive_action.model import Observations, Verdict


def test_the_registry_is_sound():
    assert registry_problems() == []


def test_every_check_id_has_one_entry_and_every_trigger_its_checks():
    # gate and runners are the gate's own (a fault, a merge's missing runners), not checks.
    assert sorted(s.id for s in CHECKS) == sorted(
        i for i in CHECK_IDS if i not in (GATE_ID, RUNNERS_ID)
    )
    fired = {t.id: [s.id for s in CHECKS for u in s.triggers if u.id == t.id]
             for s in CHECKS for t in s.triggers}  # fmt: skip
    assert sorted(fired) == sorted(TRIGGER_IDS)
    # One trigger has two sources: the page's load, and the page in a browser.
    assert {t: ids for t, ids in fired.items() if len(ids) > 1} == {
        "ui-unresponsive": ["ui-responsive", "ui-browser-responsive"]
    }


def test_a_trigger_two_checks_fire_is_one_that_fires_when_either_does():
    from golive_action.judge import _one_each
    from golive_action.model import RollbackTrigger

    slow = RollbackTrigger("ui-unresponsive", False, "not fired: ui-responsive pass", {"a": 1})
    frozen = RollbackTrigger("ui-unresponsive", True, "a long task of 400 ms", {"b": 2})
    assert _one_each([slow, frozen]) == [frozen]
    both = RollbackTrigger("ui-unresponsive", True, "p95 3000 ms", {"a": 1})
    assert _one_each([both, frozen]) == [
        RollbackTrigger(
            "ui-unresponsive", True, "p95 3000 ms; a long task of 400 ms",
            {"from": [{"a": 1}, {"b": 2}]},
        )
    ]  # fmt: skip
    quiet = _one_each([slow, dataclasses.replace(frozen, fired=False, reason="not fired: x")])
    assert [(t.fired, t.reason) for t in quiet] == [
        (False, "not fired: ui-responsive pass; not fired: x")
    ]


def test_every_criterion_id_is_a_row_and_every_probe_is_read_by_a_check():
    assert [c.id for c in CRITERIA] == [i for i in CRITERION_IDS if i not in (GATE_ID, RUNNERS_ID)]
    read = {probe for s in CHECKS for probe in s.probes}
    assert read == set(PROBE_IDS)


def test_a_broken_table_is_caught():
    web = spec("web-health")
    orphan = dataclasses.replace(web, feeds={})
    assert "check web-health feeds no criterion in any mode" in registry_problems(
        (orphan, *CHECKS[1:])
    )
    stray = dataclasses.replace(web, feeds={"go-live": "canary-2"})  # type: ignore[dict-item]
    assert any("which the matrix does not have" in p for p in registry_problems((stray,)))
    row = CriterionSpec("smoke", "Smoke", first=("no-such-check",))  # type: ignore[arg-type]
    assert "criterion smoke names check no-such-check, which no spec defines" in registry_problems(
        CHECKS, (row, *CRITERIA[1:])
    )
    unfed = registry_problems(tuple(s for s in CHECKS if s.id != "5xx-spike"))
    assert "criterion no-5xx-spike is fed by no check" in unfed
    assert "check id 5xx-spike has no registry entry" in unfed
    assert "trigger 5xx-spike is fired by no check" in unfed
    quiet = dataclasses.replace(spec("nginx-ws"), skipped_when="")
    assert "check nginx-ws may be skipped but does not say when" in registry_problems((quiet,))


@pytest.mark.parametrize("mode", MODES)
def test_the_matrix_is_drawn_from_the_registry(mode):
    rows = MATRIX[mode]
    in_rows = [c for row in rows for c in row.checks]
    assert sorted(in_rows) == sorted(s.id for s in checks_for(mode)), "each check in one row"
    for row in rows:
        assert all(spec(c).feeds[mode] == row.id for c in row.checks)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "config",
    [
        GateConfig(),
        GateConfig(web_url="http://a", executor_url="http://b", ws_url="ws://c", canary_file="f"),
    ],
    ids=["nothing-given", "urls-given"],
)
def test_judged_checks_feed_a_criterion_and_required_ones_are_never_skipped(mode, config):
    judgement = judge(Observations(1.0, 2.0), dataclasses.replace(config, mode=mode).limits())
    judged = [c.id for c in judgement.checks]
    assert judged == [s.id for s in checks_for(mode)]
    criteria_checks = {c for criterion in judgement.criteria for c in criterion.checks}
    assert set(judged) <= criteria_checks, "a judged check that feeds no criterion"
    assert criteria_checks <= {s.id for s in CHECKS}, "a criterion naming an unknown check"
    for check in judgement.checks:
        if check.verdict is Verdict.SKIPPED:
            assert mode not in spec(check.id).required, f"{check.id} is required in {mode}"
    assert judgement.decision.value == "no-go"  # nothing was observed


@pytest.mark.parametrize("mode", MODES)
def test_a_check_is_titled_as_its_registry_entry_says(mode):
    """The README's checks table shows the titles the reports show (an input's value where
    the entry says <input>)."""
    limits = GateConfig(ws_pair="ETHTRY", canary_window=9, mode=mode).limits()
    for check in judge(Observations(1.0, 2.0), limits).checks:
        pattern = re.escape(spec(check.id).title)
        pattern = pattern.replace(re.escape("<ws-pair>"), "ETHTRY")
        pattern = pattern.replace(re.escape("<canary-window>"), "9")
        assert re.fullmatch(pattern, check.title), (check.id, check.title)


def test_a_judge_function_reads_only_the_evidence_its_entry_names():
    limits = GateConfig().limits()
    for entry in CHECKS:
        bare = Evidence(Observations(1.0, 2.0), limits, {}, entry.probes, entry.files)
        entry.judge(bare)  # reads what it names: no error
        if entry.probes or entry.files:
            blind = Evidence(Observations(1.0, 2.0), limits, {})
            with pytest.raises(UndeclaredEvidence):
                entry.judge(blind)


def test_http_samples_are_filed_only_under_an_http_probe():
    observations = Observations(1.0, 2.0)
    observations.record("ui", [])
    assert observations.http == {"ui": []}
    with pytest.raises(TypeError, match="not an HTTP probe"):
        observations.record("ws", [])


def test_the_why_line_leads_with_each_failed_criterion_and_its_first_reason():
    """A NO-GO's reason names every failed row (up to four) with the first clause of the
    check that failed it: a fail before an inconclusive one, never a skipped check."""
    from golive_action.judge.matrix import decide
    from golive_action.model import CheckResult, Criterion

    def check(id_, verdict, reason):
        return CheckResult(id_, id_, verdict, reason)

    checks = [
        check("web-health", Verdict.PASS, "16 of 16 answered"),
        check("executor-health", Verdict.INCONCLUSIVE, "only 1 sample"),
        check("ticker", Verdict.FAIL, "HTTP 502 at http://h/ticker; 3 of 4 answered"),
        check("nginx-ws", Verdict.SKIPPED, "skipped (optional): no nginx-config is given"),
        check("ws-feed", Verdict.FAIL, "spread card: 0 updates, fewer than 3; " + "x" * 300),
        check("canary", Verdict.ERROR, "canary answered " + "y" * 300),
    ]
    criteria = [
        Criterion(
            "smoke", "Smoke", Verdict.FAIL, "...", ("web-health", "executor-health", "ticker")
        ),
        Criterion("ws", "WS", Verdict.FAIL, "...", ("nginx-ws", "ws-feed")),
        Criterion("canary", "Canary", Verdict.ERROR, "...", ("canary",)),
        Criterion("ui-responsive", "UI", Verdict.PASS, "...", ()),
    ]
    decision, reason = decide(criteria, checks)
    parts = reason.split("; ")
    assert decision.value == "no-go"
    assert parts[0] == "smoke fail: ticker: HTTP 502 at http://h/ticker"
    assert parts[1] == "ws fail: ws-feed: spread card: 0 updates, fewer than 3"
    assert parts[2].startswith("canary error: canary: canary answered yyy")
    assert parts[2].endswith("…") and len(parts[2]) < 200
    assert len(parts) == 3 and "nginx-ws" not in reason and "x" * 10 not in reason
    many = [dataclasses.replace(criteria[2], id=f"c{i}") for i in range(6)]
    assert decide(many, checks)[1].endswith("; and 2 more criteria")
