"""The README stays in step with the code: every input, output and scenario is documented."""

from __future__ import annotations

from pathlib import Path

from golive_action.config import input_specs
from golive_action.report.outputs import OUTPUT_NAMES
from golive_action.sandbox.scenarios import SCENARIOS

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_input_is_in_the_readme():
    for name in input_specs():
        assert f"| `{name}` |" in README, name


def test_every_output_is_in_the_readme():
    for name in OUTPUT_NAMES:
        assert f"| `{name}` |" in README, name


def test_every_scenario_is_in_the_readme():
    for name in SCENARIOS:
        assert f"| `{name}` |" in README, name


def test_the_two_commands_are_there():
    assert ".venv/bin/golive demo" in README
    assert "bash scripts/test" in README
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_the_inputs_and_criteria_tables_are_generated():
    import importlib.util

    path = Path(__file__).parent.parent / "scripts" / "readme_tables.py"
    spec = importlib.util.spec_from_file_location("readme_tables", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run: .venv/bin/python scripts/readme_tables.py"


def test_every_threshold_metric_is_in_the_readme():
    from golive_action.catalog import METRICS

    for metric in METRICS:
        assert f"`{metric}`" in README, metric


def test_nothing_refers_to_documents_outside_the_repository():
    """Every Markdown document a file names is one of the repository's (or the job summary
    the tests write), and no document, schema or workflow points above the repository."""
    import re

    root = Path(__file__).parent.parent
    ours = {p.name for p in root.glob("*.md")} | {"summary.md"}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if not path.is_file() or relative.parts[0].startswith(".") or "egg-info" in str(path):
            continue
        if path.suffix not in {".py", ".md", ".json", ".yml", ".yaml", ".toml"}:
            continue
        text = path.read_text(errors="replace")
        named = set(re.findall(r"[\w.-]+\.md\b", text))
        assert named <= ours, (relative, named - ours)
        if path.suffix != ".py":  # code names '..' paths to refuse them
            assert "../" not in text, relative
