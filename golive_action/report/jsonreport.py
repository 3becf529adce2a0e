"""The JSON report (README "The JSON report"): build, validate against its own schema,
write, and read back."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive_action.files import write_output
from golive_action.jsondoc import MAX_JSON_DEPTH, JsonNotPlain, JsonTooDeep, finite, loads
from golive_action.model import LETS_GO, PILLS, REPORT_SCHEMA_ID, Decision, GateReport, Verdict

if TYPE_CHECKING:
    from jsonschema import ValidationError

# A report holds every sample of its run; a long run's stays far below this.
REPORT_FILE_CAP = 64 * 1024 * 1024
# A server's document, parsed to jsondoc's bound, can sit a few levels deep in a report
# (a check's metrics); twice that bound is still far below the interpreter's limit.
REPORT_MAX_DEPTH = 2 * MAX_JSON_DEPTH
_FIX = "give the path of a JSON report that golive wrote"


class ReportError(ValueError):
    """A file that is not a readable golive report. The message is one line: the file, what
    is wrong with it and the fix; ``problem`` is the first part alone."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem = problem
        super().__init__(f"{problem}; fix: {fix}" if fix else problem)


def load_report_schema() -> dict[str, Any]:
    text = resources.files("golive_action").joinpath("schemas/report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def report_problems(document: dict[str, Any]) -> list[str]:
    """Every way the document breaks the report schema (empty when it is valid)."""
    return [_problem(e) for e in _schema_errors(document)]


def _schema_errors(document: dict[str, Any]) -> list[ValidationError]:
    from jsonschema import Draft202012Validator

    return list(Draft202012Validator(load_report_schema()).iter_errors(document))


def _problem(error: ValidationError) -> str:
    return f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"


def write_report(report: GateReport, path: str) -> Path:
    """Write the report by the rules of ``files.write_output``: atomically (a reader never
    sees half of it, a full disk keeps the old one), in place only over another user's
    file, never over a device, a FIFO or a directory."""
    document = finite(report.to_dict())
    write_output(path, (_surrogates_escaped(_dumped(document)) + "\n").encode("utf-8"))
    return Path(path)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _surrogates_escaped(dumped: str) -> str:
    """A lone surrogate (a JSON body's ``\\ud800`` decodes to one) has no UTF-8: it is
    written as the JSON escape it came as, which reads back as the same text. It can only
    stand inside a JSON string, where its escape means the same."""
    return _SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)


def _dumped(document: dict[str, Any]) -> str:
    """The report indented, except each column of an endpoint's samples, one line each: a
    long window's thousands of samples stay a few lines (and quick to read back)."""
    observations = document.get("observations")
    if not isinstance(observations, dict) or not isinstance(observations.get("http"), dict):
        return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    http: dict[str, Any] = observations["http"]
    import secrets

    # Markers no text of a report holds: a fresh random name for this one.
    tag = secrets.token_hex(16)
    lines: dict[str, str] = {}
    shown = dict(observations)
    shown["http"] = {}
    for probe, columns in http.items():
        marked: dict[str, str] = {}
        for name, values in columns.items():
            marker = f"golive-column-{tag}-{len(lines)}"
            lines[json.dumps(marker)] = json.dumps(
                values, ensure_ascii=False, allow_nan=False, separators=(",", ":")
            )
            marked[name] = marker
        shown["http"][probe] = marked
    text = json.dumps(
        {**document, "observations": shown}, indent=2, ensure_ascii=False, allow_nan=False
    )
    for marker, line in lines.items():
        text = text.replace(marker, line, 1)
    return text


def read_report(path: str) -> GateReport:
    """The report a gate wrote, back as a :class:`GateReport` (``to_dict()`` gives the same
    document). Only a regular file is read, at most :data:`REPORT_FILE_CAP` bytes, its JSON
    nesting bounded; it must be valid against ``schemas/report.schema.json``.

    Raises :class:`ReportError` (a ValueError, one line) for anything else. To read many,
    use one :class:`ReportReader`."""
    return ReportReader().read(path)


class ReportReader:
    """Reads reports against the schema compiled once (fastjsonschema: a report of a long
    window holds thousands of samples, and a merge or a trend reads many reports); a report
    it refuses is validated again by jsonschema, for the message."""

    def __init__(self) -> None:
        import fastjsonschema

        schema = load_report_schema()
        # fastjsonschema knows draft 7; the schema uses nothing of 2020-12 that draft 7
        # lacks ($defs is only where the references point), and tests hold the two to agree.
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        self._valid = fastjsonschema.compile(schema)

    def is_valid(self, document: dict[str, Any]) -> bool:
        import fastjsonschema

        try:
            self._valid(document)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def read(self, path: str) -> GateReport:
        """The report, whole (``read_report``)."""
        return self.read_judgement(path, whole=True)[0]

    def read_judgement(self, path: str, whole: bool = False) -> tuple[GateReport, dict[str, Any]]:
        """The report and its document. Without ``whole``, the report's observations are
        an empty stand-in (their window only): its judgement and inputs are read, its
        samples are left in the document, unmade (a merge pools them from there)."""
        document = self.read_document(path)
        return self._judgement(document, f"report '{path}'", whole), document

    def read_text(self, text: str | bytes, where: str) -> GateReport:
        """A report that is not a file of ours (a past run's, from its artifact), held to
        every rule a file is: nesting bounded, valid against the schema, read back, not
        contradicting itself. Its observations are left unmade (as ``read_judgement``
        without ``whole``). ``where`` names it in the error."""
        try:
            document = loads(text, REPORT_MAX_DEPTH)
        except json.JSONDecodeError as exc:
            problem = f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            raise _error(f"{where}: {problem}", _FIX) from None
        except ValueError as exc:
            raise _error(f"{where}: {_json_problem(exc)}", _FIX) from None
        if not isinstance(document, dict):
            raise _error(f"{where}: a JSON {type(document).__name__}, not a report object", _FIX)
        return self._judgement(_checked_document(document, where, self), where, whole=False)

    def _judgement(self, document: dict[str, Any], where: str, whole: bool) -> GateReport:
        observations = None
        if not whole:
            from golive_action.model import Observations

            window = document["observations"]
            observations = Observations(float(window["started_at"]), float(window["finished_at"]))
        try:
            report = GateReport.from_dict(document, observations)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            # What the schema leaves open.
            problem = (
                f"no field {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
            )
            raise _error(f"{where}: does not read back as a report ({problem})", _FIX) from None
        contradiction = next(iter(contradictions(document, report)), None)
        if contradiction is not None:
            raise _error(f"{where}: contradicts itself: {contradiction}", f"{_FIX}, unchanged")
        return report

    def read_document(self, path: str) -> dict[str, Any]:
        """The report's JSON document, once it is a valid report of this schema version with
        its observations inline."""
        return _read_document(path, self)


def _read_document(path: str, reader: ReportReader) -> dict[str, Any]:
    return _checked_document(_read_json(path), f"report '{path}'", reader)


def _checked_document(document: dict[str, Any], where: str, reader: ReportReader) -> dict[str, Any]:
    """The document, once it is a valid report of this schema version with its
    observations inline."""
    schema = document.get("schema")
    if schema != REPORT_SCHEMA_ID:
        problem = 'no "schema" field' if schema is None else f"schema {schema!r}"
        raise _error(
            f"{where}: {problem}, not {REPORT_SCHEMA_ID!r}",
            f"{_FIX}, or read it with the golive version that wrote it",
        )
    earlier = [f for f in _SINCE_REGISTRY if f not in document] + (
        ["rollback.evaluated"]
        if isinstance(document.get("rollback"), dict) and "evaluated" not in document["rollback"]
        else []
    )
    observations = document.get("observations")
    http = observations.get("http") if isinstance(observations, dict) else None
    if isinstance(http, dict) and any(isinstance(v, list) for v in http.values()):
        earlier.append("HTTP samples in columns")
    if earlier:
        raise _error(
            f"{where}: written by an earlier golive (it has no {', '.join(earlier)}), so it "
            "does not say everything this version reads",
            "run the gate again with this version, or read the report with the version that "
            "wrote it",
        )
    errors = [] if reader.is_valid(document) else _schema_errors(document)
    if errors:
        from jsonschema.exceptions import best_match

        # The most telling error (inside a oneOf, the branch's own), not the first one.
        first = _problem(best_match(errors))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise _error(
            f"{where}: not valid against report.schema.json: {first}{more}", f"{_FIX}, unchanged"
        )
    if isinstance(document["observations"], str):
        raise _error(
            f"{where}: its observations are in another file ({document['observations']!r})",
            "give a report with its observations inline, as golive writes it",
        )
    return document


# Fields a report has had since the registry of checks; one without them is older.
_SINCE_REGISTRY = ("ws_state", "pill", "headline")


def contradictions(document: dict[str, Any], report: GateReport) -> list[str]:
    """What a valid report says against itself: a GO with a criterion that did not pass, a
    rollback flag that disagrees with its triggers, a pill not the one of its state, an id
    twice, a start time that is no time. The gate never writes one; a hand-edited file may."""
    from datetime import datetime

    found: list[str] = []
    if report.decision is Decision.GO:
        held = [c.id for c in report.criteria if c.verdict not in LETS_GO]
        if held:
            found.append(f"decision go, but criterion {held[0]} did not pass")
        if not any(c.verdict is Verdict.PASS for c in report.criteria):
            found.append("decision go, but no criterion passed")
    rollback = document["rollback"]
    fired = [t["id"] for t in rollback["evaluated"] if t["fired"]]
    if rollback["triggered"] != bool(fired):
        found.append(
            f"rollback.triggered is {str(rollback['triggered']).lower()}, but "
            f"{len(fired)} evaluated triggers fired"
        )
    if [t["id"] for t in rollback["reasons"]] != fired:
        found.append("rollback.reasons are not the evaluated triggers that fired")
    if (report.ws_state is None) != (report.pill is None):
        found.append("a ws_state without its pill, or a pill without a state")
    elif (
        report.ws_state is not None
        and report.pill is not None
        and (report.pill.label, report.pill.colour) != PILLS[report.ws_state]
    ):
        found.append(
            f"ws_state {report.ws_state} with the pill {report.pill.label} {report.pill.colour}"
        )
    named: tuple[tuple[str, list[str]], ...] = (
        ("check", [c.id for c in report.checks]),
        ("criterion", [c.id for c in report.criteria]),
        ("trigger", [t.id for t in report.triggers]),
    )
    for what, ids in named:
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            found.append(f"{what} {twice[0]} twice")
    try:
        datetime.fromisoformat(report.started_at)
    except ValueError:
        found.append(f"started_at {report.started_at!r} is not an ISO 8601 time")
    found.extend(_observed_against_itself(report))
    return found


# How far outside its window a recorded time may stand (a sample that began just before the
# window was stamped, a clock that stepped): more than this, and it is no time of the run.
_WINDOW_SLACK_S = 120.0


def _observed_against_itself(report: GateReport) -> list[str]:
    """Observations of the right types that cannot all be true: a window that ends before it
    starts, samples or pings outside it, more pings answered than sent, a connection open
    before it was tried."""
    obs = report.observations
    found: list[str] = []
    if obs.finished_at < obs.started_at:
        found.append("observations.finished_at is before started_at")
    low, high = obs.started_at - _WINDOW_SLACK_S, obs.finished_at + _WINDOW_SLACK_S
    for probe, samples in obs.http.items():
        outside = next((s.at for s in samples if not low <= s.at <= high), None)
        if outside is not None:
            found.append(f"a {probe} sample at {outside:g}, outside the run's window")
            break
    ws = obs.ws
    if ws is not None:
        if len(ws.pings) > ws.pings_sent:
            found.append(f"{len(ws.pings)} ping round trips, but {ws.pings_sent} pings sent")
        if any(not low <= sent <= high for sent, _ in ws.pings):
            found.append("a ping sent outside the run's window")
        if any(c.opened_at is not None and c.opened_at < c.attempt_at for c in ws.connections):
            found.append("a connection open before it was tried")
    return found


def _read_json(path: str) -> dict[str, Any]:
    """The file's JSON object: a regular file, under the cap, nesting bounded."""
    from golive_action.files import FileProblem, read_regular

    try:
        raw = read_regular(path, REPORT_FILE_CAP)
    except FileProblem as exc:
        raise _error(f"report {exc.strerror}", f"{_FIX}, a regular file") from None
    where = f"report '{path}'"
    if len(raw) > REPORT_FILE_CAP:
        raise _error(f"{where}: larger than {REPORT_FILE_CAP} bytes", _FIX)
    try:
        document = loads(raw, REPORT_MAX_DEPTH)
    except json.JSONDecodeError as exc:
        problem = f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        raise _error(f"{where}: {problem}", _FIX) from None
    except ValueError as exc:  # not UTF-8, nested too deep, a number of endless digits
        raise _error(f"{where}: {_json_problem(exc)}", _FIX) from None
    if not isinstance(document, dict):
        raise _error(f"{where}: a JSON {type(document).__name__}, not a report object", _FIX)
    return document


def _json_problem(exc: ValueError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, JsonTooDeep | JsonNotPlain):
        return str(exc)
    return f"not JSON ({exc})"


def _error(problem: str, fix: str) -> ReportError:
    from golive_action.text import one_line

    # The problem may quote the file at length: it is cut, the fix never is.
    return ReportError(one_line(problem, 500), fix)
