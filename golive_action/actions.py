"""Everything that knows GitHub Actions: output files, the job summary, workflow commands.

Untrusted text (bodies, headers, frames, server errors) passes through :func:`neutralize`
before it reaches stdout or stderr, so that it can never be read as a workflow command.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from golive_action.model import Decision, GateReport, Verdict
from golive_action.text import visible

# The runner reads '::name' at a (trimmed) line start and the legacy '##[name' anywhere.
_COMMAND_START_RE = re.compile(r"^(\s*):(?=:)", re.MULTILINE)
_LEGACY_RE = re.compile(r"##\[")


def neutralize(text: str) -> str:
    """Make text safe to print: each character that is not drawn as itself shown as its
    escape (``text.visible``: no CR, ESC or bidi control reaches the log), and nothing in it
    taken as a workflow command. Line breaks stay."""
    return neutralize_commands(visible(text, lines=True))


def neutralize_commands(text: str) -> str:
    """Only the workflow commands made inert: for a text whose pieces from outside have
    already passed ``text.visible`` and which carries escapes of its own (the terminal
    report's colours)."""
    text = _COMMAND_START_RE.sub("\\1:\u200b", text)
    return _LEGACY_RE.sub("##\u200b[", text)


def escape_data(text: str) -> str:
    """Escape the data part of a workflow command (after '::name::')."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command (title=...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str) -> str:
    """One workflow command line, with untrusted message and properties made inert."""
    props = ",".join(f"{k}={escape_property(neutralize(v))}" for k, v in properties.items())
    head = f"::{name} {props}::" if props else f"::{name}::"
    return head + escape_data(neutralize(message))


# The runner shows at most 10 annotations of each kind per step.
ANNOTATION_LIMIT = 10


def annotation_lines(report: GateReport) -> list[str]:
    """Errors for failed checks (the decision first), warnings for inconclusive and waived
    ones; past the
    runner's limit of 10 per kind, one line says how many more the summary lists."""
    failed = [c for c in report.checks if c.verdict in (Verdict.FAIL, Verdict.ERROR)]
    # A waived check is seen by nobody: a GO with one says so louder than a notice.
    unsure = [c for c in report.checks if c.verdict in (Verdict.INCONCLUSIVE, Verdict.WAIVED)]
    lines: list[str] = []
    if report.decision is Decision.NO_GO:
        lines.append(command("error", report.reason, title="golive: NO-GO"))
    else:
        lines.append(command("notice", report.reason, title="golive: GO"))
    room = ANNOTATION_LIMIT - (1 if report.decision is Decision.NO_GO else 0)
    for check in failed[:room]:
        lines.append(command("error", check.reason, title=f"golive {check.id}: {check.verdict}"))
    for check in unsure[:ANNOTATION_LIMIT]:
        title = f"golive {check.id}: {check.verdict}"
        lines.append(command("warning", check.reason, title=title))
    hidden = max(0, len(failed) - room) + max(0, len(unsure) - ANNOTATION_LIMIT)
    if hidden:
        lines.append(f"{hidden} more failing, inconclusive or waived checks: see the job summary")
    return lines


def group(title: str, body: str) -> str:
    """A collapsible log section."""
    return f"::group::{escape_data(neutralize(title))}\n{neutralize(body)}\n::endgroup::\n"


def add_mask(value: str) -> str:
    """The command that masks a secret in later log lines; print it before anything else."""
    return f"::add-mask::{escape_data(value)}"


# The runner's files: the step's outputs and its job summary.
OUTPUT_FILE = "GITHUB_OUTPUT"
SUMMARY_FILE = "GITHUB_STEP_SUMMARY"


def format_outputs(outputs: Mapping[str, str]) -> str:
    """The GITHUB_OUTPUT file text. A value with a line break goes between random delimiters
    that are checked not to occur in it (the toolkit's rule). A value passes
    ``text.visible`` (its line breaks kept): a reason may quote a server."""
    lines = []
    for name, shown in outputs.items():
        value = visible(shown, lines=True)
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            if delimiter in value or delimiter in name:
                raise ValueError(f"output {name!r}: the value contains the delimiter")
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    return "".join(line + "\n" for line in lines)


def write_outputs(outputs: Mapping[str, str], environ: Mapping[str, str] | None = None) -> bool:
    """Append the outputs to $GITHUB_OUTPUT when it is set (in Actions or not). All or none:
    a write cut short (a full disk) is taken back to the file's length before it, so that no
    output of this run, a leading ``decision=go`` least of all, is left behind."""
    path = (environ if environ is not None else os.environ).get(OUTPUT_FILE)
    if not path:
        return False
    data = format_outputs(outputs).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        before = os.lseek(fd, 0, os.SEEK_END)
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, before)
            raise
    finally:
        os.close(fd)
    return True


def env_file_problem(name: str, path: str, exc: OSError) -> str:
    """One line for a runner's file (OUTPUT_FILE or SUMMARY_FILE) that cannot be written."""
    return (
        f"{name} '{path}' cannot be written ({exc.strerror or exc}); fix: point it at a "
        "writable file (the runner sets it in Actions), or unset it outside Actions"
    )


def unwritable_files(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) that are set but cannot be
    appended to, each with why: known before anything is written, so that the gate can
    close first and leave no file that says GO."""
    env = environ if environ is not None else os.environ
    problems = {}
    for name in (OUTPUT_FILE, SUMMARY_FILE):
        path = env.get(name)
        if not path:
            continue
        # Non-blocking: a FIFO with no reader is refused here instead of hanging the gate.
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
        try:
            os.close(os.open(path, flags, 0o644))
        except OSError as exc:
            problems[name] = env_file_problem(name, path, exc)
    return problems


def append_summary(markdown: str, environ: Mapping[str, str] | None = None) -> bool:
    """Append to $GITHUB_STEP_SUMMARY when it is set."""
    path = (environ if environ is not None else os.environ).get(SUMMARY_FILE)
    if not path:
        return False
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(markdown)
    return True


def summary_size(environ: Mapping[str, str] | None = None) -> int:
    """The bytes $GITHUB_STEP_SUMMARY already holds (another tool's, earlier in the step):
    the step's summary has the runner's 1 MiB in all."""
    path = (environ if environ is not None else os.environ).get(SUMMARY_FILE)
    if not path:
        return 0
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def in_actions(environ: Mapping[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get("GITHUB_ACTIONS") == "true"


# In RUNNER_TEMP (one per job): the id of the job's first step that ran the gate.
FIRST_STEP_FILE = "golive-first-step"
_STEP_TAG_RE = re.compile(r"[^A-Za-z0-9._-]")
_STEP_TAG_MAX = 100


def step_file_names(
    defaults: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The default paths of the files a gate run writes (report, canary response), for this
    step of the job: ``defaults`` as they are for the first step of the job that runs the
    gate, and with ``-<step id>`` before the extension for each later one
    (``golive-report-rollback.json`` in the step ``id: rollback``), so that a second run of
    the action in a job keeps the first one's evidence instead of overwriting it. The step
    id is GITHUB_ACTION, unique per step in a job; the job is RUNNER_TEMP, where the first
    step leaves its id. Outside Actions, or without either variable, ``defaults``."""
    environ = environ if environ is not None else os.environ
    step = environ.get("GITHUB_ACTION", "")
    temp = environ.get("RUNNER_TEMP", "")
    tag = _STEP_TAG_RE.sub("_", step)[:_STEP_TAG_MAX]
    if not in_actions(environ) or not tag.strip("._") or not temp:
        return dict(defaults)
    if _is_first_step(Path(temp) / FIRST_STEP_FILE, step):
        return dict(defaults)
    return {name: _tagged(path, tag) for name, path in defaults.items()}


def _is_first_step(claim: Path, step: str) -> bool:
    """Whether ``step`` is the job's first to run the gate: it is when no step has claimed
    the plain names yet (it claims them now), or when it is the step that did."""
    from golive_action.files import read_regular

    try:
        descriptor = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        try:
            claimed = read_regular(str(claim), 4096).decode("utf-8", "replace").strip()
        except OSError:
            return True  # unreadable: nothing says an earlier step wrote the plain names
        return claimed == step
    except OSError:
        return True  # RUNNER_TEMP cannot keep the claim: today's names, as outside Actions
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(step + "\n")
    return True


def _tagged(path: str, tag: str) -> str:
    """``golive-report.json`` and ``second`` make ``golive-report-second.json``."""
    folder, name = os.path.split(path)
    stem, extension = os.path.splitext(name)
    return os.path.join(folder, f"{stem}-{tag}{extension}")


@dataclass(frozen=True)
class CommitTarget:
    """Which commit a status belongs on, from the workflow's event."""

    sha: str | None
    fork: bool  # a pull request from a fork: the token is read-only
    run_url: str | None


def commit_target(environ: Mapping[str, str] | None = None) -> CommitTarget:
    """On pull_request, GITHUB_SHA is the test merge commit: the status goes on the PR's
    head commit, from the event payload."""
    env = environ if environ is not None else os.environ
    sha = env.get("GITHUB_SHA") or None
    fork = False
    path = env.get("GITHUB_EVENT_PATH")
    if path and env.get("GITHUB_EVENT_NAME", "").startswith("pull_request"):
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8"))
            pull = event["pull_request"]
            sha = str(pull["head"]["sha"])
            head_repo = (pull["head"].get("repo") or {}).get("full_name")
            base_repo = (pull["base"].get("repo") or {}).get("full_name")
            fork = head_repo is not None and head_repo != base_repo
        except (OSError, ValueError, KeyError, TypeError):
            sha = None  # never post on the merge commit by mistake
    return CommitTarget(sha, fork, run_url(env))


_RUN_PART = re.compile(r"[A-Za-z0-9_.:/-]+")


def run_url(environ: Mapping[str, str] | None = None) -> str | None:
    """This workflow run's page (its artifacts are at ``#artifacts``), or None outside
    Actions or when the runner's values are not plain."""
    env = environ if environ is not None else os.environ
    server, repo, run = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if not (server and repo and run) or not server.startswith(("https://", "http://")):
        return None
    if not all(_RUN_PART.fullmatch(part) for part in (server, repo, run)):
        return None
    return f"{server}/{repo}/actions/runs/{run}"
