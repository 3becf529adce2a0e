"""The JSON report (README "The JSON report"): build, validate against its own schema,
write."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from golive_action.files import write_output
from golive_action.model import GateReport


def load_report_schema() -> dict[str, Any]:
    text = resources.files("golive_action").joinpath("schemas/report.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def report_problems(document: dict[str, Any]) -> list[str]:
    """Every way the document breaks the report schema (empty when it is valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_report_schema())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def write_report(report: GateReport, path: str) -> Path:
    """Write the report: atomically to a new path (a reader never sees half of it), in place
    over an existing regular file (its mode and links kept; a reader at that moment may see
    it part written), never over a device, a FIFO or a directory."""
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    write_output(path, text.encode("utf-8"))
    return Path(path)
