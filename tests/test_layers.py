"""The layers of ARCHITECTURE.md, kept: which module of the package may import which.

Read from the source with ``ast`` (every import, at the top or inside a function, counts),
so a lazy import cannot slip past. The table below is ARCHITECTURE.md's "Layers and who may
import whom"; change both together."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "golive_action"

# The small shared modules the judge may use: data, ids, limits, text, bounded parsing.
PURE = (
    "golive_action.ids",
    "golive_action.limits",
    "golive_action.model",
    "golive_action.text",
    "golive_action.jsondoc",
    "golive_action.stats",
    "golive_action.thresholds",
    "golive_action.catalog",
    "golive_action.btcturk",
)
# All the small shared modules: those, and file access, signals, exit codes, input parsing.
SHARED = (
    *PURE,
    "golive_action._version",
    "golive_action.files",
    "golive_action.interrupt",
    "golive_action.exitcodes",
    "golive_action.regexcheck",
    "golive_action.yamlconfig",
    "golive_action.streams",
)
# Importer (module or package prefix) -> the package's modules it may import. The most
# specific prefix wins; a module of the package matched by no row is refused.
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    **{module: SHARED for module in SHARED},
    # The registry says which check runs on which inputs: a waiver is checked against it.
    "golive_action.config": (*SHARED, "golive_action.judge.registry"),
    "golive_action.judge": ("golive_action.judge", *PURE),
    # A past run's report, from its artifact, is read back as golive judge reads a file.
    "golive_action.observe": (
        *SHARED,
        "golive_action.config",
        "golive_action.observe",
        "golive_action.report.jsonreport",
    ),
    "golive_action.report": (*SHARED, "golive_action.report"),
    "golive_action.actions": SHARED,
    # The commit status goes through the GitHub client of the canary's history.
    "golive_action.status": (
        *SHARED,
        "golive_action.actions",
        "golive_action.observe.budget",
        "golive_action.observe.github_client",
    ),
    "golive_action.runner": (
        *SHARED,
        "golive_action.config",
        "golive_action.observe",
        "golive_action.judge",
    ),
    # golive judge and merge: reports read back, judged again, merged.
    "golive_action.rejudge": (
        *SHARED,
        "golive_action.config",
        "golive_action.judge",
        "golive_action.report",
        "golive_action.runner",
    ),
    "golive_action.publishing": (
        *SHARED,
        "golive_action.config",
        "golive_action.report",
        "golive_action.actions",
        "golive_action.status",
        "golive_action.runner",
    ),
    "golive_action.sandbox": (*SHARED, "golive_action.sandbox"),
    "golive_action.entry": (
        "golive_action.interrupt",
        "golive_action.streams",
        "golive_action.cli",
    ),
    "golive_action.__main__": ("golive_action.entry",),
    # The package's public face and the command line may use every layer...
    "golive_action.__init__": ("golive_action",),
    "golive_action.cli": ("golive_action",),
}
# ...but the reference stack is for the command line (demo, sandbox) and the tests only.
ONLY_CLI_IMPORTS = "golive_action.sandbox"
# The judge is pure: no network, no process, no files, no GitHub, no YAML.
JUDGE_MAY_NOT = (
    "requests",
    "websocket",
    "websockets",
    "socket",
    "http",
    "urllib.request",
    "subprocess",
    "github",
    "yaml",
)


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts)


def _imports(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module a source imports, with its line: ``from golive_action import jsondoc``
    counts as ``golive_action.jsondoc``, and a relative import as the module it names."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: None if is_package else -1]
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            if base in ("golive_action", *([] if node.module else [base])):
                found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rule(module: str) -> tuple[str, ...] | None:
    matching = [p for p in MAY_IMPORT if _within(module, p) or module == p]
    return MAY_IMPORT[max(matching, key=len)] if matching else None


def _is_pure(module: str) -> bool:
    """The judge, and every module it may import: none of them may do I/O."""
    reached = MAY_IMPORT["golive_action.judge"]
    return any(_within(module, p) for p in reached)


def layer_violations(root: Path = PACKAGE) -> list[str]:
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        where = path.relative_to(root.parent)
        allowed = _rule(module)
        if allowed is None:
            problems.append(f"{where}: no layer in the table (tests/test_layers.py)")
            continue
        imports = _imports(path.read_text(), module, path.name == "__init__.py")
        for line, imported in imports:
            if _within(imported, "golive_action"):
                if _within(imported, ONLY_CLI_IMPORTS) and not (
                    module == "golive_action.cli" or _within(module, ONLY_CLI_IMPORTS)
                ):
                    problems.append(f"{where}:{line}: imports {imported} (only the CLI may)")
                elif imported != "golive_action" and not any(_within(imported, p) for p in allowed):
                    problems.append(f"{where}:{line}: imports {imported}, outside its layer")
            elif _within(module, "golive_action.judge") and any(
                _within(imported, banned) for banned in JUDGE_MAY_NOT
            ):
                problems.append(f"{where}:{line}: the judge imports {imported} (it does no I/O)")
            elif _is_pure(module) and any(_within(imported, b) for b in JUDGE_MAY_NOT):
                problems.append(
                    f"{where}:{line}: imports {imported}, and the judge imports this module "
                    "(it does no I/O)"
                )
    return problems


def test_the_package_keeps_its_layers():
    assert layer_violations() == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "golive_action"
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def test_a_judge_module_that_imports_requests_is_refused(tmp_path):
    root = _tree(tmp_path, {"judge/ws.py": "def f():\n    import requests\n"})
    assert layer_violations(root) == [
        "golive_action/judge/ws.py:2: the judge imports requests (it does no I/O)"
    ]


def test_what_the_judge_imports_does_no_io_either_and_relative_imports_count(tmp_path):
    root = _tree(
        tmp_path,
        {
            "btcturk.py": "import websocket\n",
            "judge/x.py": "from ..observe import http\nfrom . import ws\n",
            "judge/__init__.py": "from .registry import CHECKS\n",
        },
    )
    assert layer_violations(root) == [
        "golive_action/btcturk.py:1: imports websocket, and the judge imports this module "
        "(it does no I/O)",
        "golive_action/judge/x.py:1: imports golive_action.observe, outside its layer",
    ]


def test_each_layer_rule_bites(tmp_path):
    root = _tree(
        tmp_path,
        {
            "judge/a.py": "from golive_action.observe.http import fetch\n",
            "judge/b.py": "from golive_action import config\n",
            "report/c.py": "from golive_action import actions\n",
            "runner.py": "from golive_action.sandbox.stack import ReferenceStack\n",
            "config.py": "from golive_action.judge.thresholds import parse\n",
            "newthing.py": "",
        },
    )
    assert layer_violations(root) == [
        "golive_action/config.py:1: imports golive_action.judge.thresholds, outside its layer",
        "golive_action/judge/a.py:1: imports golive_action.observe.http, outside its layer",
        "golive_action/judge/b.py:1: imports golive_action.config, outside its layer",
        "golive_action/newthing.py: no layer in the table (tests/test_layers.py)",
        "golive_action/report/c.py:1: imports golive_action.actions, outside its layer",
        "golive_action/runner.py:1: imports golive_action.sandbox.stack (only the CLI may)",
    ]
