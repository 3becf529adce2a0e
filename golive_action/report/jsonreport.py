"""The JSON report (DESIGN.md 4.5): build, validate against its own schema, write."""

from __future__ import annotations

import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

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
    """Write the report atomically (a reader never sees half a file); returns the path."""
    document = report.to_dict()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".golive-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
