"""Rewrite the generated tables of README.md: the inputs (from the config schema, the one
list of inputs), the criteria and checks (from the registry of checks) and the metrics of
the thresholds input (from the catalog).

.venv/bin/python scripts/readme_tables.py          # rewrite README.md
.venv/bin/python scripts/readme_tables.py --check  # exit 1 when README.md is stale
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from golive_action.catalog import METRICS
from golive_action.config import input_specs
from golive_action.ids import MODES
from golive_action.judge.registry import CHECKS, CRITERIA, CheckSpec, criteria_for

README = Path(__file__).resolve().parent.parent / "README.md"


def inputs_table() -> str:
    rows = ["| Input | Default | Description |", "|---|---|---|"]
    for spec in input_specs().values():
        default = spec.default
        if isinstance(default, bool):
            shown = f"`{str(default).lower()}`"
        else:
            shown = "" if default is None else f"`{default}`"
        extra = [e for e in spec.env_names if not e.startswith(("INPUT_", "GOLIVE_"))]
        env = f" Also read from `{'`, `'.join(extra)}`." if extra else ""
        description = (spec.description + env).replace("|", "\\|")
        rows.append(f"| `{spec.name}` | {shown} | {description} |")
    return "\n".join(rows)


def _ids(ids: tuple[str, ...]) -> str:
    return ", ".join(f"`{i}`" for i in ids) or "(none)"


def criteria_table() -> str:
    """The matrix by mode, then every check: what it judges, where it counts, when it may be
    skipped, and the rollback trigger it fires."""
    rows = ["| Criterion | " + " | ".join(f"Checks in `{m}`" for m in MODES) + " |"]
    rows.append("|---" * (len(MODES) + 1) + "|")
    matrices = {mode: {row.id: row for row in criteria_for(mode)} for mode in MODES}
    for criterion in CRITERIA:
        cells = [
            _ids(matrices[m][criterion.id].checks) if criterion.id in matrices[m] else "not judged"
            for m in MODES
        ]
        rows.append(f"| `{criterion.id}`: {criterion.title} | " + " | ".join(cells) + " |")
    rows += [
        "",
        "| Check | Judges | Counts in | Required in | Runs on | Rollback trigger |",
        "|---|---|---|---|---|---|",
    ]
    for spec in CHECKS:
        modes = ", ".join(f"`{m}`" for m in MODES if m in spec.feeds)
        triggers = _ids(tuple(t.id for t in spec.triggers)) if spec.triggers else ""
        title = spec.title.replace("|", "\\|")
        runs_on = "always" if spec.needs is None else spec.needs.to_set(frozenset())
        if spec.adds:
            runs_on += f"; {', '.join(spec.adds)} adds evidence"
        rows.append(
            f"| `{spec.id}` | {title} | {modes} | {_required(spec)} | {runs_on} | {triggers} |"
        )
    return "\n".join(rows)


def _required(spec: CheckSpec) -> str:
    """Where the check may not go unseen, and where it is optional (skipped, and when)."""
    required = [f"`{m}`" for m in MODES if m in spec.required]
    optional = [f"`{m}`" for m in MODES if m in spec.feeds and m not in spec.required]
    text = ", ".join(required) if required else ""
    if optional and spec.required_when_named and spec.needs is not None:
        # Named by the inputs it runs on, not their companions (the browser checks need
        # web-url too, but are asked for by browser alone).
        names = [f"`{n}`" for alt in spec.needs.alternatives for n in alt]
        which = names[0] if len(names) == 1 else "one of its inputs"
        switch = len(names) == 1 and input_specs()[names[0].strip("`")].schema.get(
            "x-off-when-false"
        )
        text = (
            ", ".join(optional) + f" once {which} is {'true' if switch else 'given'}; else optional"
        )
    elif optional:
        optional_text = f"optional in {', '.join(optional)}, skipped when {spec.skipped_when}"
        text = f"{text}; {optional_text}" if text else optional_text
    return text


def metrics_table() -> str:
    """Every metric the thresholds input may name, with what its values are."""
    rows = ["| Metric | Check | Values |", "|---|---|---|"]
    for metric, described in METRICS.items():
        check = metric.split(".", 1)[0]
        rows.append(f"| `{metric}` | `{check}` | {described.replace('|', chr(92) + '|')} |")
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {
    "inputs": inputs_table,
    "criteria": criteria_table,
    "metrics": metrics_table,
}


def rendered(text: str) -> str:
    for name, table in SECTIONS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = f"{head}{start}\n{table()}\n{end}{tail}"
    return text


def main(argv: list[str]) -> int:
    text = README.read_text()
    for name in SECTIONS:
        if f"<!-- {name}:start -->" not in text or f"<!-- {name}:end -->" not in text:
            print(f"README.md has no <!-- {name}:start --> ... end section", file=sys.stderr)
            return 2
    new = rendered(text)
    if "--check" in argv:
        return 0 if new == text else 1
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
