"""The canary check: canary_resp.json judged strictly. An explicit ok: false is a FAIL,
whatever else the body says (the original gate's jq read .ok // .status and let
{"ok": false, "status": "PASS"} through)."""

from __future__ import annotations

import json
import math
from collections import deque
from functools import cache
from importlib import resources
from typing import Any

from golive_action import jsondoc
from golive_action.model import CanaryHistory, CheckResult, HttpSample, PastRun, Verdict
from golive_action.text import one_line

TITLE = "Canary PASS (canary_resp.json)"
RATE_TITLE = "Canary PASS rate over the last {window} runs"
_MAX_FIGURES = 1000


@cache
def _schemas() -> dict[str, Any]:
    # Static package data: the same bytes every run, so the judge stays deterministic.
    from jsonschema import Draft202012Validator

    text = resources.files("golive_action").joinpath("schemas/canary.schema.json").read_text()
    document = json.loads(text)
    return {
        name: Draft202012Validator({**shape, "$defs": document["$defs"]})
        for name, shape in document["$defs"].items()
    }


def latency_figures(body: Any) -> list[float]:
    """Every number under a key that names a latency, anywhere in the body."""
    found: list[float] = []
    todo = [body]
    while todo and len(found) < _MAX_FIGURES:
        item = todo.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if (
                    "latency" in str(key).lower()
                    and isinstance(value, int | float)
                    and not isinstance(value, bool)
                    and math.isfinite(value)  # NaN or infinity is no latency figure
                ):
                    found.append(float(value))
                elif isinstance(value, dict | list):
                    todo.append(value)
        elif isinstance(item, list):
            todo.extend(item)
    return found


def _text(value: Any) -> str:
    return one_line(value if isinstance(value, str) else json.dumps(value), 160)


# The words a body says pass or fail with.
_VERDICT_KEYS = ("ok", "passed")


def _nested_verdicts(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The paths of the ``ok`` and ``passed`` values below the top level that are false,
    and of those in the places the canary's shapes give them (each of ``results``, and
    ``evidence``) that are no boolean at all (``"false"``, ``0``, null): a canary that says a
    part of it failed, in any spelling, did not pass. Elsewhere a number under such a key is
    a count (``"summary": {"passed": 5}``), not a verdict. The whole body is walked: it is
    at most 1 MiB."""
    false: list[str] = []
    junk: list[str] = []
    results = body.get("results")
    if isinstance(results, list):
        for index, item in enumerate(results):
            if isinstance(item, dict):
                _verdicts_of(item, f"results[{index}]", false, junk)
    evidence = body.get("evidence")
    if isinstance(evidence, dict):
        _verdicts_of(evidence, "evidence", false, junk)
    todo: deque[tuple[str, Any]] = deque(
        (key, value) for key, value in body.items() if key not in _VERDICT_KEYS
    )
    shaped = {id(item) for item in (results if isinstance(results, list) else [])}
    shaped.add(id(evidence))
    while todo:
        path, item = todo.popleft()
        if isinstance(item, dict):
            for key, value in item.items():
                where = f"{path}.{key}"
                if key in _VERDICT_KEYS and value is False and id(item) not in shaped:
                    false.append(where)
                todo.append((where, value))
        elif isinstance(item, list):
            todo.extend((f"{path}[{i}]", value) for i, value in enumerate(item))
    return false, junk


def _verdicts_of(item: dict[str, Any], path: str, false: list[str], junk: list[str]) -> None:
    for key in _VERDICT_KEYS:
        if key not in item:
            continue
        value = item[key]
        if value is False:
            false.append(f"{path}.{key}")
        elif value is not True:
            junk.append(f"{path}.{key} is {one_line(json.dumps(value), 40)}")


def _named(results: Any, paths: list[str]) -> str:
    """The failed results by name where they have one (``results[1].ok`` of a runner body
    whose second result is named ``risk``), else by path."""
    names = []
    for path in paths[:5]:
        name = None
        if isinstance(results, list) and path.startswith("results["):
            index = path[len("results[") :].split("]", 1)[0]
            item = results[int(index)] if index.isdigit() and int(index) < len(results) else None
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                name = one_line(item["name"], 60)
        names.append(name or path)
    return ", ".join(dict.fromkeys(names))


def _error_beside(body: dict[str, Any]) -> str | None:
    """An ``error`` that is there and says something (not null, false or empty)."""
    for key in ("error", "errors"):
        error = body.get(key)
        if error is None or error is False or error == 0 or error in ([], {}):
            continue
        if isinstance(error, str) and not error.strip():
            continue
        return _text(error)
    return None


def judge_body(body: Any) -> tuple[Verdict, str]:
    """The verdict on a parsed canary body, and one line a person can act on."""
    if not isinstance(body, dict):
        return Verdict.FAIL, "unrecognised canary response: not a JSON object"
    shapes = _schemas()
    detail = next(
        (f"{k}: {_text(body[k])}" for k in ("error", "reason", "message") if k in body), ""
    )
    false, junk = _nested_verdicts(body)
    said = "ok: true" if body.get("ok") is True else f"status {_text(body.get('status'))}"
    if "ok" in body:
        ok = body["ok"]
        if ok is False:
            return Verdict.FAIL, "ok: false" + (f" ({detail})" if detail else "")
        if ok is not True:
            return Verdict.FAIL, f"ok is {one_line(json.dumps(ok), 60)}, not true or false"
    if ("ok" in body or "status" in body) and (false or junk):
        if any(p == "evidence.passed" for p in false):
            return Verdict.FAIL, f"{said} but the evidence did not pass (evidence.passed: false)"
        if false:
            named = _named(body.get("results"), false)
            what = "result(s)" if all(p.startswith("results[") for p in false) else "part(s)"
            return Verdict.FAIL, f"{said} but {len(false)} {what} failed: {named}"
        return Verdict.FAIL, f"{said} but the body is malformed: {junk[0]}, not true or false"
    if "ok" in body:
        error = _error_beside(body)
        if error is not None:
            return Verdict.FAIL, f"ok: true but it reports an error ({error})"
        results = body.get("results")
        shape = "runner" if "results" in body else "order" if "evidence" in body else None
        if shape is not None:
            errors = list(shapes[shape].iter_errors(body))
            if errors:
                problem = one_line(errors[0].message, 100)
                return Verdict.FAIL, f"ok: true but the {shape} body is malformed: {problem}"
        return Verdict.PASS, "ok: true" + (
            f", {len(results)} results" if isinstance(results, list) else ""
        )
    if "status" in body:
        status = body["status"]
        if isinstance(status, str) and status.upper() in ("PASS", "OK"):
            error = _error_beside(body)
            if error is not None:
                # PASS beside an error is ATTENTION at best: never a pass.
                return Verdict.FAIL, f"status {_text(status)} but it reports an error ({error})"
            return Verdict.PASS, f"status {_text(status)}"
        reason = f" ({detail})" if detail else ""
        return Verdict.FAIL, f"status {_text(status)}{reason}"
    if not list(shapes["error"].iter_errors(body)):
        parts = [f"{k}: {_text(body[k])}" for k in ("error", "message") if k in body]
        return Verdict.FAIL, "error response: " + "; ".join(parts)
    return Verdict.FAIL, "unrecognised canary response: neither ok nor status (keys: " + one_line(
        ", ".join(list(map(str, body))[:8]), 120
    ) + ")"


def judge_canary(
    samples: list[HttpSample], probe_error: str | None, configured: bool
) -> CheckResult:
    thresholds = {"verdict": "PASS", "ok": "never false"}
    if not configured:
        return CheckResult(
            "canary",
            TITLE,
            Verdict.SKIPPED,
            "skipped: neither spark-api-url nor canary-file is set",
            0,
            {},
            thresholds,
        )
    if probe_error is not None:
        return CheckResult("canary", TITLE, Verdict.ERROR, probe_error, 0, {}, thresholds)
    if not samples:
        return CheckResult(
            "canary",
            TITLE,
            Verdict.INCONCLUSIVE,
            "the canary did not run (no answer was recorded); check spark-api-url or canary-file",
            0,
            {},
            thresholds,
        )
    sample = samples[-1]
    source = "file" if sample.probe == "canary-file" else "api"
    metrics: dict[str, Any] = {
        "source": source,
        "url": sample.url,
        "status": sample.status,
        "request_latency_ms": None
        if source == "file"
        else (None if sample.elapsed_ms is None else round(sample.elapsed_ms, 1)),
        "body_bytes": sample.body_bytes,
    }

    def result(verdict: Verdict, reason: str) -> CheckResult:
        return CheckResult("canary", TITLE, verdict, reason, 1, metrics, thresholds)

    if sample.error:
        return result(Verdict.ERROR, f"canary: {sample.error} ({sample.url})")
    try:
        body = sample.body_json() if sample.body.strip() else None
    except ValueError as exc:
        problem = jsondoc.problem(exc)
        return result(Verdict.ERROR, f"canary response is {problem} ({sample.body_bytes} bytes)")
    if body is None:
        return result(Verdict.ERROR, "canary response is empty")
    figures = latency_figures(body)
    metrics.update(
        {
            "latency_figures": len(figures),
            "latency_max_ms": max(figures) if figures else None,
            # The canary's own latency evidence (report/terminal.py prints the checklist's
            # line on it): the gate's request time is not a figure of the canary.
            "latency_recorded": bool(figures),
        }
    )
    if sample.status is not None and not 200 <= sample.status <= 299:
        verdict, why = judge_body(body)
        detail = why.removeprefix("error response: ") if verdict is Verdict.FAIL else why
        return result(Verdict.FAIL, f"canary answered HTTP {sample.status}: {detail}")
    verdict, why = judge_body(body)
    return result(verdict, why)


_CONCLUSION = {
    "success": Verdict.PASS,
    "failure": Verdict.FAIL,
    "timed_out": Verdict.FAIL,
    "startup_failure": Verdict.FAIL,
}


def judge_canary_rate(
    history: CanaryHistory | None,
    current: Verdict | None,
    window: int,
    needed: int,
    rate_min: float,
) -> CheckResult:
    """Canary PASS rate over the last ``window`` runs, this run counted as the newest. A past
    run's verdict comes from its conclusion (marked so in the rows)."""
    title = RATE_TITLE.format(window=window)
    thresholds = {"rate_percent": f">={rate_min:g}", "runs": f"count>={needed}"}
    if history is None:
        return CheckResult(
            "canary-rate",
            title,
            Verdict.SKIPPED,
            "skipped: no github-token, repository or canary workflow to read past runs from",
            0,
            {},
            thresholds,
        )
    rows: list[dict[str, Any]] = []
    if current in (Verdict.PASS, Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE):
        rows.append(
            {
                "run": "this run",
                "verdict": "PASS" if current is Verdict.PASS else "FAIL",
                "source": "this gate's canary",
            }
        )
    ignored = 0
    for run in history.runs:
        verdict, source = _past_verdict(run)
        if verdict is None:
            ignored += 1
            continue
        if len(rows) >= window:
            break
        rows.append(
            {
                "run": run.id,
                "url": run.url,
                "created_at": run.created_at,
                "verdict": verdict.value.upper(),
                "source": source,
            }
        )
    passes = sum(1 for r in rows if r["verdict"] == "PASS")
    rate = 100.0 * passes / len(rows) if rows else 0.0
    must = math.ceil(rate_min / 100 * window - 1e-9)
    metrics: dict[str, Any] = {
        "runs": rows,
        "counted": len(rows),
        "passes": passes,
        "rate_percent": round(rate, 2),
        "ignored": ignored,
        "passes_needed": must,
    }
    plain = f"over {window} runs, {rate_min:g} % means {must} of {window}"
    if history.error:
        verdict = Verdict.INCONCLUSIVE
        return CheckResult(
            "canary-rate", title, verdict, history.error, len(rows), metrics, thresholds
        )
    if len(rows) < needed:
        return CheckResult(
            "canary-rate",
            title,
            Verdict.INCONCLUSIVE,
            f"only {len(rows)} runs to count, fewer than {needed} ({plain}); "
            + (
                f"set canary-min-runs: {len(rows)} to judge on fewer"
                if rows
                else "the workflow has no completed run to count yet"
            ),
            len(rows),
            metrics,
            thresholds,
        )
    summary = f"{passes} of {len(rows)} runs PASS ({rate:.1f} %)"
    if rate >= rate_min:
        return CheckResult(
            "canary-rate",
            title,
            Verdict.PASS,
            f"{summary} >= {rate_min:g} %",
            len(rows),
            metrics,
            thresholds,
        )
    return CheckResult(
        "canary-rate",
        title,
        Verdict.FAIL,
        f"{summary} < {rate_min:g} %: {plain}",
        len(rows),
        metrics,
        thresholds,
    )


def _past_verdict(run: PastRun) -> tuple[Verdict | None, str]:
    """A past run's canary verdict: from its artifact when one was read, else from the run's
    conclusion (and the row says which, and why)."""
    if run.artifact_body is not None and run.artifact_member is not None:
        try:
            body = jsondoc.loads(run.artifact_body)
        except ValueError:
            body = None
        if run.artifact_member == "canary_resp.json" and body is not None:
            verdict, _ = judge_body(body)
            return verdict, "artifact canary_resp.json"
        if run.artifact_member == "golive-report.json" and isinstance(body, dict):
            checks = body.get("checks")
            found = (
                next((c for c in checks if isinstance(c, dict) and c.get("id") == "canary"), None)
                if isinstance(checks, list)
                else None
            )
            if found is not None and found.get("verdict") in ("pass", "fail"):
                return Verdict(found["verdict"]), "artifact golive-report.json"
    by_conclusion = _CONCLUSION.get(run.conclusion or "")
    why = f" ({run.artifact_note})" if run.artifact_note else ""
    return by_conclusion, f"conclusion {run.conclusion}{why}"
