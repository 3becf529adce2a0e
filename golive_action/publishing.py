"""Publishing a judged run: the canary response, the JSON report, the outputs and the job
summary, the terminal report and its annotations, the commit status. What ``golive run``
writes after :func:`golive_action.runner.run_gate`, for a library caller too::

    report = run_gate(config)
    code = publish(report, PublishSettings.from_config(config))

It fails closed: a file that cannot be written turns the run into a NO-GO before the rest is
written, and a file that fails late rewrites as closed what already said GO, so that no exit
other than 0 leaves ``decision=go`` in an output, the summary or the report. What speaks
GitHub Actions goes through ``actions.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from golive_action.exitcodes import EXIT_GO, EXIT_NO_GO, EXIT_USAGE

if TYPE_CHECKING:
    from golive_action.config import GateConfig, Secret
    from golive_action.model import GateReport


@dataclass(frozen=True)
class PublishSettings:
    """Where a run is published. The defaults are ``GateConfig()``'s."""

    report: str = "golive-report.json"  # the JSON report; "" writes none
    canary_output: str | None = "canary_resp.json"  # the canary's answer; None writes none
    commit_status: bool = False  # post the decision as a commit status
    github_token: Secret | None = field(default=None, repr=False)
    github_repository: str | None = None
    status_context: str = "golive/gate"
    github_api_url: str = "https://api.github.com"
    # The browser check's screenshot, beside the report; None writes none.
    screenshot: str | None = "golive-screenshot.png"
    # The job summary and the annotations (the publish input); false: files and outputs only.
    summary: bool = True

    @classmethod
    def from_config(cls, config: GateConfig) -> PublishSettings:
        """The settings of ``golive run`` with this config."""
        from golive_action import files

        return cls(
            report=config.report,
            canary_output=config.canary_output,
            commit_status=config.commit_status and config.publish,
            github_token=config.github_token,
            github_repository=config.github_repository,
            status_context=config.status_context,
            github_api_url=config.github_api_url,
            screenshot=files.screenshot_path(config.report),
            summary=config.publish,
        )


def publish(
    report: GateReport,
    settings: PublishSettings,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    cancel: threading.Event | None = None,
) -> int:
    """Write the canary response, the JSON report, the outputs and the summary, print the
    terminal report (and in Actions its annotations), then post the commit status when the
    settings ask for it. ``environ`` (default ``os.environ``) says whether this is Actions
    and where its files are; ``out`` and ``err`` default to stdout and stderr.

    A set ``cancel`` closes the report first (:func:`closed_if_cancelled`). Returns the exit
    code of ``golive run``: 0 GO, 1 NO-GO, 2 when a file could not be written (the run was
    then published as a NO-GO, as far as it could be)."""
    environ = os.environ if environ is None else environ
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    report = closed_if_cancelled(report, cancel)
    code, published = _write_evidence(report, settings, environ, out, err)
    # The status says what the evidence says: a run closed while publishing is a failure
    # on the commit too, not the GO it was judged.
    _commit_status(published, settings, environ, out)
    return code


def closed_if_cancelled(report: GateReport, cancel: threading.Event | None) -> GateReport:
    """A signal that came after the judging still closes the gate: no GO is published by a
    run that was told to stop (the exit code will say it was signalled)."""
    from golive_action.interrupt import Cancellation
    from golive_action.runner import close_report

    if cancel is None or not cancel.is_set() or report.observations.interrupted is not None:
        return report
    name = cancel.signal_name if isinstance(cancel, Cancellation) else None
    return close_report(report, f"interrupted by {name or 'its caller'} after the judging")


def mask_secrets(
    values: Sequence[str], environ: Mapping[str, str] | None = None, out: TextIO | None = None
) -> None:
    """In Actions, mask each secret in the log lines that follow: call it before anything
    that may print one (``golive run`` does, before the run)."""
    from golive_action import actions

    if actions.in_actions(environ):
        for value in values:
            print(actions.add_mask(value), file=out or sys.stdout, flush=True)


def publish_refused(
    message: str,
    flags: Mapping[str, str | None],
    environ: Mapping[str, str] | None = None,
    err: TextIO | None = None,
    config_file: str | None = None,
    protected: Sequence[str] = (),
) -> int:
    """Bad input, and the gate still fails closed, so that a later job never reads a missing
    output as a pass: a NO-GO report (``gate error: bad input: <message>``), the outputs and
    the summary. The report goes where the inputs asked for it (``flags`` and ``environ`` as
    given to ``load_config``, then ``config_file``'s ``report``) when that path may be
    written, else to the default path when that may, else nowhere. Nothing is printed on
    stdout: the caller says what was wrong. A ``protected`` path (a report being judged
    again) is never written. Returns 2 (EXIT_USAGE)."""
    from golive_action import actions
    from golive_action.config import GateConfig
    from golive_action.files import output_problem
    from golive_action.runner import failed_report

    environ = os.environ if environ is None else environ
    fallback = GateConfig()
    report = failed_report(fallback, f"bad input: {message}", time.time(), 0.0)
    # A later step of the job that runs the gate has a default path of its own (as in run).
    default = actions.step_file_names({"report": fallback.report}, environ)["report"]
    path = _requested_report_path(flags, environ, config_file, default)
    kept = {os.path.realpath(p) for p in protected}

    def writable(candidate: str) -> bool:
        return output_problem(candidate) is None and os.path.realpath(candidate) not in kept

    if not writable(path):  # the bad input may be the report's path itself
        path = default if writable(default) else ""
    settings = PublishSettings(report=path, canary_output=None)
    _write_evidence(report, settings, environ, io.StringIO(), err or sys.stderr)
    return EXIT_USAGE


# --------------------------------------------------------------------------- the evidence


def _write_evidence(
    report: GateReport,
    settings: PublishSettings,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> tuple[int, GateReport]:
    """Everything but the commit status, failing closed (module docstring), in an order that
    cannot leave ``decision=go`` behind an exit other than 0: the files, the report, the
    summary, the terminal, and the outputs last, from the report as it then stands. A
    failure at any step closes the report; what already said GO is written again, closed.
    Returns the exit code and the report as published."""
    from golive_action import actions
    from golive_action.model import Decision
    from golive_action.report.jsonreport import write_report
    from golive_action.report.outputs import report_outputs
    from golive_action.report.summary import SUMMARY_LIMIT, render_summary
    from golive_action.runner import close_report
    from golive_action.streams import failure, guarded

    out = guarded(out, "stdout")
    err = guarded(err, "stderr")
    report_path = settings.report
    failures: list[str] = []

    def failed(message: str) -> None:
        print(f"golive: error: {message}", file=err, flush=True)
        failures.append(message.split("; fix:", 1)[0])

    saved = _save_canary_response(report, settings.canary_output, failed)
    report = _save_screenshot(report, settings.screenshot, failed)
    unwritable = actions.unwritable_files(environ)
    for problem in unwritable.values():
        failed(problem)
    if failures:
        report = close_report(report, f"evidence not published: {'; '.join(failures)}")
    written = ""
    try:
        if report_path:
            write_report(report, report_path)
            written = report_path
    except OSError as exc:
        failed(
            f"report {_file_problem(report_path, exc)}; fix: give --report a writable path of "
            "a regular file"
        )
        report = close_report(report, f"evidence not published: {failures[-1]}")
    late = _LateFailures(failures, written, environ)
    try:
        if settings.summary and actions.SUMMARY_FILE not in unwritable:
            room = SUMMARY_LIMIT - actions.summary_size(environ)
            markdown = render_summary(report, written or None, actions.run_url(environ), room)
            if markdown:
                late.summary_written = actions.append_summary(markdown, environ)
            else:
                print(
                    "golive: warning: the job summary already holds nearly 1 MiB: the gate's "
                    "summary is not added (the runner drops a larger one whole); the report "
                    "and the outputs have the decision",
                    file=err,
                    flush=True,
                )
    except OSError as exc:
        summary_path = environ.get(actions.SUMMARY_FILE, "")
        failed(actions.env_file_problem(actions.SUMMARY_FILE, summary_path, exc))
    report = late.closed(report)
    _print_terminal(report, settings, environ, out, written)
    stdout_failure = failure(out)
    if stdout_failure is not None:
        failed(f"{stdout_failure}; fix: give the gate a standard output it can write to")
    report = late.closed(report)
    try:
        if actions.OUTPUT_FILE not in unwritable:
            actions.write_outputs(report_outputs(report, written, saved or ""), environ)
    except OSError as exc:
        failed(
            actions.env_file_problem(actions.OUTPUT_FILE, environ.get(actions.OUTPUT_FILE, ""), exc)
        )
    report = late.closed(report)
    if failures:
        return EXIT_USAGE, report
    return (EXIT_GO if report.decision is Decision.GO else EXIT_NO_GO), report


@dataclass
class _LateFailures:
    """Failures that came after the report (and maybe the summary) said GO: each closes the
    report, which is written again, and the summary gets a correction (a full disk may
    refuse them too: then the exit code and the outputs still say it)."""

    failures: list[str]
    written: str
    environ: Mapping[str, str]
    summary_written: bool = False
    seen: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        self.seen = len(self.failures)

    def closed(self, report: GateReport) -> GateReport:
        from golive_action import actions
        from golive_action.model import Decision
        from golive_action.report.jsonreport import write_report
        from golive_action.report.summary import render_correction
        from golive_action.runner import close_report

        new = self.failures[self.seen :]
        self.seen = len(self.failures)
        if not new or report.decision is not Decision.GO:
            return report
        report = close_report(report, f"evidence not published: {'; '.join(new)}")
        if self.written:
            try:
                write_report(report, self.written)
            except OSError:
                # A full disk refuses the closed report too: this run's GO must not stay on
                # disk beside a failed exit (a merge would count it). Emptied (which takes
                # no space), it is no report at all.
                with contextlib.suppress(OSError):
                    os.truncate(self.written, 0)
        with contextlib.suppress(OSError):
            if self.summary_written:
                actions.append_summary(render_correction(report), self.environ)
        return report


def _print_terminal(
    report: GateReport,
    settings: PublishSettings,
    environ: Mapping[str, str],
    out: TextIO,
    written: str,
) -> None:
    """The terminal report (in Actions, folded in a group, then the annotations)."""
    from golive_action import actions
    from golive_action.report.terminal import canary_evidence_line, render_terminal

    colour = out.isatty() and "NO_COLOR" not in environ
    text = render_terminal(report, colour=colour, report_path=written or None)
    evidence = canary_evidence_line(report.check("canary"))
    if evidence is not None:
        text += evidence + "\n"
    if actions.in_actions(environ):
        print(actions.group("golive: the gate's report", text), end="", file=out)
        for line in actions.annotation_lines(report) if settings.summary else ():
            print(line, file=out)
        out.flush()
    elif colour:
        # The renderer's own colours stay; every piece from outside passed text.visible there.
        print(actions.neutralize_commands(text), end="", file=out, flush=True)
    else:
        print(actions.neutralize(text), end="", file=out, flush=True)


def _file_problem(path: str, exc: OSError) -> str:
    from golive_action.files import FileProblem

    if isinstance(exc, FileProblem):
        return str(exc.strerror)
    return f"'{path}' cannot be written ({exc.strerror or exc})"


def _canary_body(report: GateReport) -> str | None:
    samples = report.observations.http.get("canary") or []
    last = samples[-1] if samples else None
    if last is None or last.probe != "canary" or last.error is not None:
        return None
    return last.body


def _save_canary_response(
    report: GateReport, path: str | None, failed: Callable[[str], None]
) -> str | None:
    """canary_resp.json: the raw answer of the canary (tokens already redacted), for the
    artifact. Nothing is written when the canary was not called."""
    body = _canary_body(report)
    if path is None or body is None:
        return None
    from golive_action.files import write_output

    try:
        write_output(path, body.encode("utf-8"))
    except OSError as exc:
        failed(
            f"canary response {_file_problem(path, exc)}; fix: give --canary-output a writable "
            "path of a regular file"
        )
        return None
    return path


def _save_screenshot(
    report: GateReport, path: str | None, failed: Callable[[str], None]
) -> GateReport:
    """The browser check's screenshot of the page at the end of its window, beside the
    report; the report then says where it is."""
    browser = report.observations.browser
    if path is None or browser is None or not browser.screenshot:
        return report
    from golive_action.files import write_output

    try:
        write_output(path, browser.screenshot)
    except OSError as exc:
        failed(
            f"screenshot {_file_problem(path, exc)}; fix: give --report a path in a folder "
            "where a regular file beside it may be written"
        )
        return report
    return dataclasses.replace(report, screenshot=path)


# --------------------------------------------------------------------------- commit status


def _commit_status(
    report: GateReport, settings: PublishSettings, environ: Mapping[str, str], out: TextIO
) -> None:
    """With commit-status: true, the decision goes on the PR head commit; a refusal is a
    warning, never a failure of the gate (summary and outputs are already written)."""
    if not settings.commit_status:
        return
    from golive_action import actions
    from golive_action.status import post_status

    token = settings.github_token.reveal() if settings.github_token else None
    outcome = post_status(
        report,
        token,
        settings.github_repository,
        actions.commit_target(environ),
        settings.status_context,
        settings.github_api_url,
    )
    if actions.in_actions(environ):
        print(
            actions.command(
                "notice" if outcome.posted else "warning",
                outcome.note,
                title="golive: commit status",
            ),
            file=out,
        )
    else:
        print(actions.neutralize(outcome.note), file=out)


# --------------------------------------------------------------------------- bad input


def _requested_report_path(
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
    config_file: str | None,
    default: str,
) -> str:
    """Where the user asked for the report, even when another input is bad: the flag, the
    environment, then the config file's ``report``, as the sources rank."""
    candidates = [flags.get("report"), environ.get("INPUT_REPORT"), environ.get("GOLIVE_REPORT")]
    if config_file:
        from golive_action.config import ConfigError, read_config_file

        try:
            configured = read_config_file(config_file).get("report")
        except ConfigError:
            configured = None
        candidates.append(configured if isinstance(configured, str) else None)
    return next((c.strip() for c in candidates if c and c.strip()), default)
