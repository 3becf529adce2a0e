"""Rewrite the inputs table of README.md from the config schema (the one list of inputs).

.venv/bin/python scripts/readme_inputs.py          # rewrite README.md
.venv/bin/python scripts/readme_inputs.py --check  # exit 1 when README.md is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from golive_action.config import input_specs

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- inputs:start -->", "<!-- inputs:end -->"


def table() -> str:
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


def rendered(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text()
    if START not in text or END not in text:
        print(f"README.md has no {START} ... {END} section", file=sys.stderr)
        return 2
    new = rendered(text)
    if "--check" in argv:
        return 0 if new == text else 1
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
