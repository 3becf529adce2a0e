"""The command line: golive run | demo | judge | merge | sandbox | canary | --version.
``main(argv) -> int``."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from golive_action._version import __version__
from golive_action.exitcodes import EXIT_GO, EXIT_NO_GO, EXIT_USAGE
from golive_action.interrupt import GATE_COMMANDS, command_word

if TYPE_CHECKING:
    from golive_action.config import GateConfig
    from golive_action.interrupt import Cancellation


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2 (raised, printed by main)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; fix: see '{self.prog} --help'")


# --------------------------------------------------------------------------- parsers

_METAVAR = {"number": "N", "integer": "N", "boolean": "true|false", "string": "VALUE"}


def _add_input_flags(
    parser: argparse.ArgumentParser,
    skip: frozenset[str] = frozenset(),
    defaults: Mapping[str, str] | None = None,
) -> None:
    from golive_action.config import input_specs

    group = parser.add_argument_group("gate inputs (also INPUT_<NAME> or GOLIVE_<NAME>)")
    for spec in input_specs().values():
        if spec.name in skip:
            continue
        metavar = "URL" if spec.schema.get("format") else _METAVAR[spec.type]
        value = (defaults or {}).get(spec.name, spec.default)
        default = "" if value is None else f" (default: {_shown_default(value)})"
        group.add_argument(
            spec.flag,
            dest=spec.name,
            metavar=metavar,
            default=None,
            help=(spec.description + default).replace("%", "%%"),
        )


def _shown_default(value: Any) -> str:
    """A default as the flag would accept it: true, not True."""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="golive", description="Go/No-Go gate for a WebSocket migration.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"golive {__version__}")
    parser.set_defaults(handler=_no_command)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = commands.add_parser(
        "run", help="run the gate (exit 0 GO, 1 NO-GO, 2 bad input)", allow_abbrev=False
    )
    run.set_defaults(handler=_cmd_run)
    run.add_argument("--config", metavar="FILE", help="JSON or YAML file of inputs")
    _add_input_flags(run)

    demo = commands.add_parser(
        "demo", help="run the whole gate against the embedded reference stack", allow_abbrev=False
    )
    demo.set_defaults(handler=_cmd_demo)
    _add_scenario_flag(demo)
    demo.add_argument("--config", metavar="FILE", help="JSON or YAML file of inputs")
    _add_input_flags(demo, skip=_STACK_INPUTS, defaults=_DEMO_DEFAULTS)

    sandbox = commands.add_parser(
        "sandbox",
        help="serve the reference stack in the foreground until SIGINT/SIGTERM",
        allow_abbrev=False,
    )
    sandbox.set_defaults(handler=_cmd_sandbox)
    _add_scenario_flag(sandbox)
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sandbox.add_argument(
        "--port",
        type=int,
        default=0,
        help="first port (web; executor +1, BTCTurk REST +2, feed +3, GitHub API +4, its "
        "artifact storage +5); default: ephemeral",
    )
    sandbox.add_argument(
        "--token",
        default=None,
        help="bearer token the canary and the GitHub API accept (default: any non-empty token)",
    )
    judge = commands.add_parser(
        "judge",
        help="judge recorded evidence (JSON reports) again with this invocation's limits, "
        "no network",
        allow_abbrev=False,
    )
    judge.set_defaults(handler=_cmd_judge)
    judge.add_argument(
        "evidence", nargs="+", metavar="REPORT", help="a report golive wrote (several: merged)"
    )
    judge.add_argument("--config", metavar="FILE", help="JSON or YAML file of inputs")
    _add_input_flags(judge)
    merge = commands.add_parser(
        "merge",
        help="merge the reports of many runners and judge them once, no network",
        allow_abbrev=False,
    )
    merge.set_defaults(handler=_cmd_merge)
    merge.add_argument(
        "evidence",
        nargs="+",
        metavar="REPORT",
        help="a runner's report, or a glob of them (quoted); a path or glob that finds no "
        "file is a runner that sent none",
    )
    merge.add_argument("--config", metavar="FILE", help="JSON or YAML file of inputs")
    _add_input_flags(merge, skip=frozenset({"merge"}))
    canary = commands.add_parser("canary", help="the canary alone", allow_abbrev=False)
    canary.set_defaults(handler=_no_canary_command)
    canary_commands = canary.add_subparsers(
        dest="canary_command", metavar="COMMAND", parser_class=_Parser
    )
    parse = canary_commands.add_parser(
        "parse",
        help="judge one canary response file (exit 0 PASS, 1 FAIL, 2 unreadable)",
        allow_abbrev=False,
    )
    parse.set_defaults(handler=_cmd_canary_parse)
    parse.add_argument("file", metavar="FILE", help="a saved canary response (canary_resp.json)")
    rate = canary_commands.add_parser(
        "rate",
        help="canary pass rate over the last N runs via the GitHub API, within --timeout "
        "seconds (exit 0 at or above canary-rate-min, 1 below or inconclusive, 2 usage)",
        allow_abbrev=False,
    )
    rate.set_defaults(handler=_cmd_canary_rate)
    for short, name, text in _CANARY_RATE_ALIASES:
        rate.add_argument(short, f"--{name}", dest=name, default=None, help=text)
    rate.add_argument("--config", metavar="FILE", help="JSON or YAML file of inputs")
    _add_input_flags(rate, skip=frozenset(name for _, name, _ in _CANARY_RATE_ALIASES))
    for command in (run, demo, judge, merge, sandbox, parse, rate):
        # What "did you mean" may suggest: only flags this command takes.
        flags = [option for action in command._actions for option in action.option_strings]
        command.set_defaults(known_flags=tuple(f for f in flags if f.startswith("--")))
    return parser


# golive canary rate's own short names for three inputs (both spellings are accepted).
_CANARY_RATE_ALIASES = (
    ("--repo", "github-repository", "owner/repo (default: GITHUB_REPOSITORY)"),
    ("--workflow", "canary-workflow", "workflow file (default: from GITHUB_WORKFLOW_REF)"),
    ("--runs", "canary-window", "how many past runs (default: canary-window, 7)"),
)


def _typed_flags(args_list: Sequence[str], names: Sequence[str]) -> dict[str, str]:
    """Input name -> the flag the user typed for it (--repo or --github-repository), so that
    an error names what is on the command line."""
    typed: dict[str, str] = {}
    for word in args_list:
        flag = word.split("=", 1)[0]
        for name in names:
            if flag.startswith("--") and flag in _flag_spellings(name):
                typed[name] = flag
    return typed


def _flag_spellings(name: str) -> tuple[str, ...]:
    shorts = tuple(short for short, alias, _ in _CANARY_RATE_ALIASES if alias == name)
    return (*shorts, f"--{name}")


def _add_scenario_flag(parser: argparse.ArgumentParser) -> None:
    from golive_action.sandbox.scenarios import scenario_names

    names = scenario_names()
    parser.add_argument(
        "--scenario",
        default="healthy",
        metavar="NAME",
        help=f"one of: {', '.join(names)} (default: healthy)",
    )


# Inputs the demo takes from the stack it starts. The GitHub ones too: in a real Actions
# job, GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_RUN_ID, ... name the job's own, and the demo
# must neither send the job's token anywhere nor count the job's run.
_STACK_INPUTS = frozenset(
    {
        "web-url",
        "executor-url",
        "ticker-url",
        "ws-url",
        "spark-api-url",
        "spark-api-token",
        "github-api-url",
        "github-token",
        "github-repository",
        "canary-workflow",
        "trend-workflow",
        "github-run-id",
        "metrics-url",
    }
)
# The demo samples faster than a real run, so that it answers in seconds.
_DEMO_DEFAULTS = {"sample-interval": "0.2", "duration": "10", "ws-ping-interval-s": "1"}


def step_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """The default paths of the report and the canary response where this step of a job
    has paths of its own (a later step of the job that runs the gate: ``actions``), as
    defaults below every source the user has; empty for the first step and outside Actions,
    where the schema's defaults hold."""
    from golive_action import actions
    from golive_action.config import input_specs

    specs = input_specs()
    plain = {name: str(specs[name].default) for name in ("report", "canary-output")}
    names = actions.step_file_names(plain, environ)
    return {name: path for name, path in names.items() if path != plain[name]}


# --------------------------------------------------------------------------- main


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    cancellation: Cancellation | None = None,
) -> int:
    from golive_action.streams import guarded

    environ = os.environ if environ is None else environ
    # A closed stream, a broken pipe or an encoding the terminal lacks never raises: the
    # gate publishes a NO-GO for it (publishing), other commands end as they would have.
    out = guarded(stdout or sys.stdout, "stdout")
    err = guarded(stderr or sys.stderr, "stderr")
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # answered before the parser of ~80 inputs is built
        print(f"golive {__version__}", file=out)
        return 0
    if command_word(args_list) not in GATE_COMMANDS:
        return _dispatch(args_list, environ, out, err, None)
    from golive_action.interrupt import Cancellation, catch_signals

    # Caught before anything else (parser, config, stack): a SIGINT or SIGTERM at any moment
    # of a gate run ends in a published NO-GO, never in a traceback or a silent death.
    cancellation = cancellation or Cancellation()
    with catch_signals(cancellation):
        code = _dispatch(args_list, environ, out, err, cancellation)
    # The first signal decides the exit code, unless it came so late that a GO was already
    # published: an exit other than 0 always goes with a published NO-GO.
    signalled = cancellation.exit_code()
    return code if signalled is None or code == EXIT_GO else signalled


def _raw_flag(args: Sequence[str], flag: str) -> str | None:
    """The value of ``flag`` as typed (``--flag V`` or ``--flag=V``), without the parser."""
    for index, word in enumerate(args):
        if word == flag and index + 1 < len(args):
            return args[index + 1]
        if word.startswith(flag + "="):
            return word[len(flag) + 1 :]
    return None


def _dispatch(
    args_list: list[str],
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None,
) -> int:
    masked = _mask_raw_secrets(args_list, environ, out)
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(args_list)
        if extras:
            raise UsageError(_unknown_argument(extras, args))
    except UsageError as exc:
        if command_word(args_list) in GATE_COMMANDS:
            # A gate run that cannot even parse its flags still publishes a NO-GO, at the
            # report path it was given when that much can be read.
            flags = {"report": _raw_flag(args_list, "--report")}
            config_file = _raw_flag(args_list, "--config")
            return _config_failure(str(exc), flags, environ, out, err, config_file)
        return _usage_error(str(exc), environ, out, err)
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    args.masked = masked
    args.typed_flags = _typed_flags(args_list, [name for _, name, _ in _CANARY_RATE_ALIASES])
    # The parser that matched set its command's handler (build_parser); the top level and
    # golive canary have one that says a command is missing.
    handler: _Handler = args.handler
    return handler(args, environ, out, err, cancel)


# What every command is, given its parsed arguments: an exit code.
_Handler = Callable[
    [argparse.Namespace, Mapping[str, str], TextIO, TextIO, "threading.Event | None"], int
]


def _no_command(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    return _usage_error(
        "a command is required; fix: use golive run, demo, judge, merge, sandbox or canary",
        environ,
        out,
        err,
    )


def _no_canary_command(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    return _usage_error(
        "golive canary needs a command; fix: use golive canary parse FILE or golive canary rate",
        environ,
        out,
        err,
    )


def _unknown_argument(extras: list[str], args: argparse.Namespace) -> str:
    import difflib

    from golive_action.config import input_specs

    first = extras[0]
    command = " ".join(
        ["golive", *[w for w in (args.command, getattr(args, "canary_command", None)) if w]]
    )
    flag = first.split("=", 1)[0]
    if flag.startswith("--"):
        known = list(getattr(args, "known_flags", ())) or [s.flag for s in input_specs().values()]
        close = difflib.get_close_matches(flag, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"see '{command} --help'"
        return f"unknown input '{flag[2:]}' (command line); fix: {hint}"
    return f"unexpected argument {first!r}; fix: see '{command} --help'"


def _input_flags(args: argparse.Namespace) -> dict[str, str | None]:
    from golive_action.config import input_specs

    given = vars(args)
    return {name: given[name] for name in input_specs() if given.get(name) is not None}


def _cmd_run(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    from golive_action.config import ConfigError, load_config

    flags = _input_flags(args)
    try:
        config = load_config(
            flags,
            environ,
            args.config,
            defaults=step_defaults(environ),
            step_inputs=_in_actions(environ),
        )
    except ConfigError as exc:
        evidence = _raw_merge(flags, environ)
        return _config_failure(str(exc), flags, environ, out, err, args.config, evidence)
    if config.merge:
        return _judge_recorded(args, config, list(config.merge), True, environ, out, err, cancel)
    from golive_action.publishing import PublishSettings, mask_secrets, publish
    from golive_action.runner import run_gate

    mask_secrets(_unmasked(config.secrets(), args), environ, out)
    report = run_gate(config, _progress(err, config.secrets()), cancel)
    return publish(report, PublishSettings.from_config(config), environ, out, err, cancel=cancel)


def _raw_merge(flags: Mapping[str, str | None], environ: Mapping[str, str]) -> tuple[str, ...]:
    """The reports the merge input names, as given, even when some input is refused: a
    refused run never writes its NO-GO report over one."""
    from golive_action.config import parse_merge_input

    for text in (flags.get("merge"), environ.get("INPUT_MERGE"), environ.get("GOLIVE_MERGE")):
        if text and text.strip():
            return parse_merge_input(text)
    return ()


def _cmd_judge(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    return _recorded_command(args, environ, out, err, cancel, merging=len(args.evidence) > 1)


def _cmd_merge(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    return _recorded_command(args, environ, out, err, cancel, merging=True)


def _recorded_command(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None,
    merging: bool,
) -> int:
    """golive judge and golive merge: this invocation's inputs publish the judgement and
    give its limits; how the evidence was gathered is each report's own."""
    from golive_action.config import ConfigError, input_specs, load_config

    flags = _input_flags(args)
    evidence_flags = [n for n in flags if input_specs()[n].recorded == "evidence"]
    if evidence_flags:
        name = evidence_flags[0]
        message = (
            f"input '{name}' (flag --{name}): says how the evidence was gathered, and golive "
            f"{args.command} takes that from each report; fix: drop it (only limits, such as "
            "--ws-latency-max-ms, and where to publish can be given)"
        )
        return _config_failure(message, flags, environ, out, err, args.config, args.evidence)
    evidence_inputs = frozenset(n for n, s in input_specs().items() if s.recorded == "evidence")
    try:
        # Where to publish and the limits; how the evidence was gathered is each report's,
        # and not read here (a run's own config file may name files long gone).
        config = load_config(
            flags,
            environ,
            args.config,
            defaults=step_defaults(environ),
            step_inputs=_in_actions(environ),
            ignored=evidence_inputs,
        )
    except ConfigError as exc:
        return _config_failure(str(exc), flags, environ, out, err, args.config, args.evidence)
    return _judge_recorded(args, config, list(args.evidence), merging, environ, out, err, cancel)


def _judge_recorded(
    args: argparse.Namespace,
    config: GateConfig,
    evidence: list[str],
    merging: bool,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None,
) -> int:
    """Judge the reports again (one) or merge them (many, or the merge input), then publish
    with this invocation's settings. A report is never written over the evidence."""
    from golive_action.config import ConfigError
    from golive_action.publishing import PublishSettings, mask_secrets, publish
    from golive_action.rejudge import EvidenceError, Sources, judge_again, merge_reports

    flags = _input_flags(args)
    config_file = getattr(args, "config", None)
    clash = _evidence_clash(config, evidence)
    if clash is not None:
        return _config_failure(clash, flags, environ, out, err, config_file, evidence)
    mask_secrets(_unmasked(config.secrets(), args), environ, out)
    sources = Sources(flags, environ, config_file, _in_actions(environ))
    try:
        if merging:
            report = merge_reports(evidence, sources, config.min_runners, config, cancel)
        else:
            report = judge_again(evidence[0], sources)
    except (EvidenceError, ConfigError) as exc:
        return _config_failure(str(exc), flags, environ, out, err, config_file, evidence)
    except Exception as exc:  # a fault of the judge: closed, never a traceback
        import time as clock

        from golive_action.runner import failed_report
        from golive_action.text import one_line

        reason = one_line(f"internal error: {type(exc).__name__}: {exc}")
        report = failed_report(config, reason, clock.time(), 0.0)
    return publish(report, PublishSettings.from_config(config), environ, out, err, cancel=cancel)


def _evidence_clash(config: GateConfig, evidence: Sequence[str]) -> str | None:
    """A report or canary response written over a report being judged would destroy it."""
    from golive_action.rejudge import expected_runners

    read = {os.path.realpath(e.path) for e in expected_runners(evidence) if e.path}
    for name, path in (("report", config.report), ("canary-output", config.canary_output)):
        if path and os.path.realpath(path) in read:
            return (
                f"input '{name}': '{path}' is also a report being judged, so writing it would "
                f"destroy the evidence; fix: give --{name} another path"
            )
    return None


def _cmd_demo(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    from golive_action.config import ConfigError, load_config

    flags = _input_flags(args)
    try:
        from golive_action.sandbox.stack import ReferenceStack, UnknownScenario, get_scenario

        scenario = get_scenario(args.scenario)
    except ImportError as exc:
        message = (
            f"the demo needs the reference stack's libraries ({exc.name} is missing); "
            "fix: pip install 'golive-action[sandbox]'"
        )
        return _config_failure(message, flags, environ, out, err, args.config)
    except UnknownScenario as exc:  # the demo is a gate run too: it fails closed
        return _config_failure(f"flag --scenario: {exc}", flags, environ, out, err, args.config)
    token = secrets.token_urlsafe(24)
    github_token = secrets.token_urlsafe(24)  # the stack's GitHub API accepts only this one
    try:
        # Bad input is refused before the stack starts, judged with the inputs the stack
        # will give (so that, say, a timeout too short for its sampling is refused now).
        placeholder = {"web_url": "http://127.0.0.1:1", "executor_url": "http://127.0.0.1:1"}
        placeholder["ws_url"] = "ws://127.0.0.1:1"
        placeholder["github_api_url"] = "http://127.0.0.1:1"
        defaults = {**step_defaults(environ), **_DEMO_DEFAULTS}
        if scenario.needs_browser:
            defaults["browser"] = "true"
        load_config(
            {**flags, **_stack_inputs(placeholder, token, github_token)},
            environ,
            args.config,
            defaults=defaults,
            step_inputs=_in_actions(environ),
        )
    except ConfigError as exc:
        return _config_failure(str(exc), flags, environ, out, err, args.config)
    with ReferenceStack(scenario, token=token, github_token=github_token) as stack:
        flags.update(_stack_inputs(stack.urls, token, github_token))
        try:  # again, with the stack's real addresses (a file may also have changed since)
            config = load_config(
                flags, environ, args.config, defaults=defaults, step_inputs=_in_actions(environ)
            )
        except ConfigError as exc:
            return _config_failure(str(exc), flags, environ, out, err, args.config)
        intro = f"golive demo: scenario '{scenario.name}': {scenario.description}"
        print(textwrap.fill(intro, 80, subsequent_indent="  "), file=out)
        from golive_action.runner import run_gate

        report = run_gate(config, _progress(err, config.secrets()), cancel)
    import dataclasses

    from golive_action.publishing import PublishSettings, publish

    # Published as run publishes, but never as a commit status: it judged the reference
    # stack, not the commit.
    settings = dataclasses.replace(PublishSettings.from_config(config), commit_status=False)
    return publish(report, settings, environ, out, err, cancel=cancel)


def _stack_inputs(urls: Mapping[str, str], token: str, github_token: str) -> dict[str, str | None]:
    """The inputs the demo takes from the reference stack it starts: flags, so that they
    win over the environment (a real job's GITHUB_TOKEN, GITHUB_RUN_ID, ...)."""
    from golive_action.sandbox import github_api

    return {
        "web-url": urls["web_url"],
        "executor-url": urls["executor_url"],
        "ws-url": urls["ws_url"],
        "spark-api-url": urls["executor_url"],
        "spark-api-token": token,
        # The executor's own event-to-store figures, so the demo judges them too.
        "metrics-url": urls["executor_url"] + "/metrics",
        "github-api-url": urls["github_api_url"],
        "github-token": github_token,
        "github-repository": github_api.REPOSITORY,
        "canary-workflow": github_api.WORKFLOW_FILE,
        "trend-workflow": github_api.WORKFLOW_FILE,
        # The run the stand-in has in progress: the listing of completed runs never holds
        # it, so nothing is kept out that should count.
        "github-run-id": str(github_api.CURRENT_RUN_ID),
    }


def _cmd_canary_parse(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    from golive_action import actions
    from golive_action.judge.canary import judge_canary
    from golive_action.model import Verdict
    from golive_action.observe.canary import read_canary_file
    from golive_action.report.terminal import canary_evidence_line

    result = judge_canary(read_canary_file(args.file), None, configured=True)
    word = {Verdict.PASS: "PASS", Verdict.FAIL: "FAIL"}.get(result.verdict, "ERROR")
    print(actions.neutralize(f"{word}: {result.reason}"), file=out)
    evidence = canary_evidence_line(result)
    if evidence is not None:
        print(evidence, file=out)
    return {Verdict.PASS: EXIT_GO, Verdict.FAIL: EXIT_NO_GO}.get(result.verdict, EXIT_USAGE)


def _cmd_canary_rate(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    from golive_action import actions
    from golive_action.config import ConfigError, load_config
    from golive_action.judge.canary import judge_canary_rate
    from golive_action.model import REASON_LIMIT, CanaryHistory, Verdict
    from golive_action.observe.budget import Budget, within
    from golive_action.observe.history import fetch_history
    from golive_action.text import Redactor, one_line

    try:
        config = load_config(
            _input_flags(args),
            environ,
            args.config,
            args.typed_flags,
            gate_run=False,
            step_inputs=_in_actions(environ),
        )
    except ConfigError as exc:
        return _usage_error(str(exc), environ, out, err)
    missing = [
        name
        for name, value in (
            ("github-token (or GITHUB_TOKEN)", config.github_token),
            ("--repo (or GITHUB_REPOSITORY)", config.github_repository),
            ("--workflow (or GITHUB_WORKFLOW_REF)", config.canary_workflow_file),
        )
        if value is None
    ]
    if missing:
        return _usage_error(
            f"missing {', '.join(missing)}; fix: give them as flags or in the environment",
            environ,
            out,
            err,
        )
    assert config.github_token and config.github_repository and config.canary_workflow_file
    from golive_action.publishing import mask_secrets

    mask_secrets(_unmasked(config.secrets(), args), environ, out)
    token, repository = config.github_token.reveal(), config.github_repository
    workflow = config.canary_workflow_file
    # The command's time budget is the timeout input (--timeout): every request, wait and
    # read of the history looks at it, and what no timeout reaches is left behind at it.
    budget = Budget.lasting(config.timeout)
    history = within(
        budget,
        lambda: fetch_history(
            token,
            repository,
            workflow,
            config.canary_window,
            config.github_api_url,
            config.canary_branch,
            config.canary_event,
            timeout_s=config.http_timeout,
            artifact=config.canary_artifact or None,
            budget=budget,
        ),
    ) or CanaryHistory(
        repository,
        workflow,
        error=f"GitHub API: no answer within the time budget (timeout {config.timeout:g} s); "
        "the pass rate could not be read",
        error_kind="budget",
    )
    result = Redactor(config.secrets()).tree(
        judge_canary_rate(
            history, None, config.canary_window, config.canary_runs_needed, config.canary_rate_min
        )
    )
    # Every text of the API's (a reason quotes it, a row's source and URL are its own) is
    # one line (a line break is a space) before neutralize shows what else it holds as
    # escapes: the runner splits lines on a CR too.
    word = result.verdict.value.upper()
    head = one_line(f"{word}: {result.reason}", REASON_LIMIT + len(word) + 2)
    print(actions.neutralize(head), file=out)
    for row in result.metrics.get("runs", []):
        source, url = one_line(str(row["source"])), one_line(str(row.get("url", "")))
        line = f"  {row['verdict']:<4} run {one_line(str(row['run']))} ({source}) {url}"
        print(actions.neutralize(line), file=out)
    return EXIT_GO if result.verdict is Verdict.PASS else EXIT_NO_GO


# How often the sandbox looks for its stop signal: it must be gone within 1 s of SIGTERM.
_SANDBOX_POLL_S = 0.1


def _cmd_sandbox(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    cancel: threading.Event | None = None,
) -> int:
    """Not a gate run (``cancel`` is None): it catches SIGINT and SIGTERM itself, to stop."""
    try:
        from golive_action.sandbox.stack import ReferenceStack, UnknownScenario, get_scenario

        scenario = get_scenario(args.scenario)
    except ImportError as exc:
        return _usage_error(
            f"the sandbox needs its libraries ({exc.name} is missing); "
            "fix: pip install 'golive-action[sandbox]'",
            environ,
            out,
            err,
        )
    except UnknownScenario as exc:
        return _usage_error(f"flag --scenario: {exc}", environ, out, err)
    problem = _sandbox_input_problem(args)
    if problem is not None:
        return _usage_error(problem, environ, out, err)
    from golive_action.interrupt import Cancellation, catch_signals

    stop = Cancellation()
    with catch_signals(stop):
        try:
            stack = ReferenceStack(
                scenario, host=args.host, port=args.port, token=args.token
            ).start()
        except OSError as exc:
            return _usage_error(
                f"cannot listen on {args.host} port {args.port or 'ephemeral'} "
                f"({exc.strerror or exc}); fix: choose another --host or --port",
                environ,
                out,
                err,
            )
        try:
            from golive_action.sandbox import github_api

            line = {
                **stack.urls,
                "github_repository": github_api.REPOSITORY,
                "canary_workflow": github_api.WORKFLOW_FILE,
                "scenario": scenario.name,
            }
            print(json.dumps(line), file=out, flush=True)
            # Polled, never waited on: the signal handler sets the event from this thread.
            while not stop.is_set():
                time.sleep(_SANDBOX_POLL_S)
        finally:
            stack.stop()
    return EXIT_GO


# The stack takes six ports from --port on: web, executor, BTCTurk REST, feed, GitHub API,
# the API's artifact storage.
_SANDBOX_PORTS = 6


def _sandbox_input_problem(args: argparse.Namespace) -> str | None:
    """golive sandbox's inputs, checked as run's are: one line that names the flag."""
    highest = 65535 - (_SANDBOX_PORTS - 1)
    if not 0 <= args.port <= highest:
        return (
            f"flag --port: {args.port} is not a port the stack can start from (it takes "
            f"{_SANDBOX_PORTS} ports from there); fix: give 0 (ephemeral) or 1 to {highest}"
        )
    if not args.host.strip() or any(c.isspace() or ord(c) < 32 for c in args.host):
        return f"flag --host: {args.host!r} is not an address; fix: give one, such as 127.0.0.1"
    if args.token is not None and (
        not args.token or any(not 32 < ord(c) < 127 for c in args.token)
    ):
        return (
            "flag --token: the token is empty or holds a space, a control character or a "
            "character outside ASCII; fix: give a printable ASCII token"
        )
    return None


# --------------------------------------------------------------------------- helpers


def _progress(err: TextIO, secrets: Sequence[str]) -> Callable[[str], None]:
    """Progress lines of long probes (every 10 s), on stderr: stdout keeps the report. They
    carry what a server sent (a close reason, say), so they are redacted as the report is."""
    from golive_action import actions
    from golive_action.text import Redactor

    redact = Redactor(secrets)

    def show(line: str) -> None:
        print(actions.neutralize(redact(line)), file=err, flush=True)

    return show


def _in_actions(environ: Mapping[str, str]) -> bool:
    from golive_action import actions

    return actions.in_actions(environ)


def _mask_raw_secrets(
    args_list: Sequence[str], environ: Mapping[str, str], out: TextIO
) -> frozenset[str]:
    """In Actions, mask the secrets among the inputs as given, before anything parses them:
    an input refused, or a traceback of a parser, then cannot show one. Returns those
    masked, which the command does not mask again."""
    if not _in_actions(environ):
        return frozenset()
    from golive_action.config import raw_secrets
    from golive_action.publishing import mask_secrets

    values = raw_secrets(args_list, environ)
    mask_secrets(values, environ, out)
    return frozenset(values)


def _unmasked(values: Sequence[str], args: argparse.Namespace) -> list[str]:
    """The secrets of a loaded config not yet masked (a token from a config file, say)."""
    masked: frozenset[str] = getattr(args, "masked", frozenset())
    return [value for value in values if value not in masked]


def _config_failure(
    message: str,
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    config_file: str | None = None,
    evidence: Sequence[str] = (),
) -> int:
    """Bad input: one line on stderr, exit 2, and the gate still fails closed (NO-GO report,
    outputs and summary: ``publishing.publish_refused``), never over the ``evidence`` it
    was to judge."""
    from golive_action.publishing import publish_refused

    # The secrets among the refused inputs were masked before any parsing (_dispatch).
    _usage_error(message, environ, out, err)
    protected: list[str] = []
    if evidence:
        from golive_action.rejudge import expected_runners

        protected = [e.path for e in expected_runners(evidence) if e.path]
    return publish_refused(message, flags, environ, err, config_file, protected)


def _usage_error(message: str, environ: Mapping[str, str], out: TextIO, err: TextIO) -> int:
    """One line on stderr; in Actions, an error annotation too, so that it shows on the run."""
    from golive_action import actions

    print(f"golive: error: {actions.neutralize(message)}", file=err)
    if actions.in_actions(environ):
        print(actions.command("error", message, title="golive: bad input"), file=out)
    return EXIT_USAGE
