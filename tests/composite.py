"""The composite action's steps, run as the runner runs them: in order, each ``run:`` script
with bash (``--noprofile --norc -eo pipefail``) in the workspace, its ``env:`` evaluated, a
GITHUB_OUTPUT file of its own, ``if:`` evaluated against the outputs of the steps before it,
and the first step that fails ending the action. ``actions/cache/restore`` and
``actions/cache/save`` are played by a folder of saved trees (:class:`Cache`), shared by the
jobs a test runs, as GitHub's cache is shared by the jobs of a repository.

Only the expressions action.yml uses are known here; anything else fails loudly, so that a
new form in action.yml is added to this emulation rather than silently read as empty."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.test_cli import read_outputs

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
VENV = "golive-venv"
MARKER = ".golive-venv-key"

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
_CONDITION = re.compile(r"^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+) (==|!=) '([^']*)'$")
_CACHE_ACTION = re.compile(r"^actions/cache/(restore|save)@[0-9a-f]{40}$")


def step_named(name: str) -> dict[str, Any]:
    return next(step for step in STEPS if step.get("name") == name)


def evaluate(
    text: str,
    given: dict[str, str],
    github: dict[str, str],
    runner: dict[str, str] | None = None,
    steps: dict[str, dict[str, str]] | None = None,
) -> str:
    """``${{ ... }}`` in a value as the runner evaluates it: ``inputs.X`` is the value the
    workflow gave in ``with:``, else the action's default (itself evaluated, so a default of
    ``${{ github.api_url }}`` is the runner's API URL); ``github.X`` and ``runner.X`` are
    the contexts; ``steps.ID.outputs.X`` the output of an earlier step (empty when it did
    not run or did not write it)."""

    def value(match: re.Match[str]) -> str:
        scope, _, rest = match.group(1).partition(".")
        if scope == "inputs":
            if rest in given:
                return given[rest]
            default = str(ACTION["inputs"][rest]["default"])
            return evaluate(default, given, github, runner, steps)
        if scope == "github":
            return github.get(rest, "")
        if scope == "runner" and runner is not None and rest in runner:
            return runner[rest]
        if scope == "steps":
            step_id, outputs, name = rest.split(".")
            assert outputs == "outputs", match.group(0)
            return (steps or {}).get(step_id, {}).get(name, "")
        raise AssertionError(f"tests/composite.py does not know {match.group(0)}")

    return _EXPRESSION.sub(value, text)


def runner_env(
    step: dict[str, Any],
    given: dict[str, str],
    github: dict[str, str],
    runner: dict[str, str] | None = None,
    steps: dict[str, dict[str, str]] | None = None,
) -> dict[str, str]:
    """A composite step's ``env:`` as the runner evaluates it (see :func:`evaluate`)."""
    return {
        key: evaluate(str(text), given, github, runner, steps)
        for key, text in step.get("env", {}).items()
    }


def condition_holds(condition: str, steps: dict[str, dict[str, str]]) -> bool:
    """An ``if:`` of action.yml: comparisons of step outputs with a literal, joined by &&."""
    holds = True
    for part in condition.split(" && "):
        match = _CONDITION.match(part.strip())
        assert match, f"tests/composite.py does not know the condition {condition!r}"
        step_id, name, operator, literal = match.groups()
        equal = steps.get(step_id, {}).get(name, "") == literal
        holds = holds and (equal if operator == "==" else not equal)
    return holds


def tree(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``folder`` by relative path: (inode, size, mtime in ns). An install,
    a removal or a rewrite changes it; reading the tree does not."""
    found: dict[str, tuple[int, int, int]] = {}
    for path in [folder, *folder.rglob("*")]:
        status = path.lstat()
        found[str(path.relative_to(folder))] = (status.st_ino, status.st_size, status.st_mtime_ns)
    return found


class Cache:
    """GitHub's cache for the repository: trees saved by key, in a folder of their own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.saved: list[str] = []
        self.restored: list[str] = []

    def keys(self) -> set[str]:
        return {p.name for p in self.folder.iterdir()}

    def restore(self, key: str, path: Path) -> bool:
        if key not in self.keys():
            return False
        shutil.copytree(self.folder / key, path, symlinks=True, dirs_exist_ok=True)
        self.restored.append(key)
        return True

    def save(self, key: str, path: Path) -> None:
        # A key is saved once: GitHub refuses to save over an existing entry.
        if key in self.keys() or not path.is_dir():
            return
        shutil.copytree(path, self.folder / key, symlinks=True)
        self.saved.append(key)


@dataclass
class StepRun:
    name: str
    skipped: bool = False
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Job:
    """One job on one runner: its RUNNER_TEMP and workspace, its environment (the runner's
    own variables), its ``github`` context, and the repository's cache."""

    folder: Path
    cache: Cache
    env: dict[str, str]
    github: dict[str, str] = field(default_factory=dict)
    runs: int = 0

    @classmethod
    def new(cls, folder: Path, cache: Cache, path: str, **env: str) -> Job:
        for name in ("runner-temp", "workspace"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        passed = {
            k: v
            for k, v in os.environ.items()
            # How this machine reaches the package index, as a runner's environment would.
            if k.startswith(("PIP_", "UV_", "SSL_CERT_")) or k.lower().endswith("_proxy")
        }
        base = {
            **passed,
            "PATH": path,
            "HOME": str(Path.home()),
            "RUNNER_TEMP": str(folder / "runner-temp"),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            **env,
        }
        return cls(folder, cache, base)

    @property
    def runner_temp(self) -> Path:
        return Path(self.env["RUNNER_TEMP"])

    @property
    def workspace(self) -> Path:
        return self.folder / "workspace"

    @property
    def venv(self) -> Path:
        return self.runner_temp / VENV

    def run_action(
        self,
        action: Path,
        given: dict[str, str],
        *,
        step_id: str = "gate",
        env: dict[str, str] | None = None,
        until: str | None = None,
    ) -> dict[str, StepRun]:
        """Run the action's steps in order, as one step of this job whose id (GITHUB_ACTION)
        is ``step_id``; ``until`` stops before the step of that name. Returns each step's
        run by name; the first step that fails ends the action, as on a runner."""
        outputs: dict[str, dict[str, str]] = {}
        done: dict[str, StepRun] = {}
        for step in STEPS:
            name = step["name"]
            if name == until:
                break
            if "if" in step and not condition_holds(step["if"], outputs):
                done[name] = StepRun(name, skipped=True)
                continue
            run = self.run_step(action, step, given, outputs, step_id=step_id, env=env)
            done[name] = run
            if "id" in step:
                outputs[step["id"]] = run.outputs
            if run.returncode != 0:
                break
        return done

    def run_step(
        self,
        action: Path,
        step: dict[str, Any],
        given: dict[str, str],
        outputs: dict[str, dict[str, str]],
        *,
        step_id: str = "gate",
        env: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> StepRun:
        """One step of the action (its ``if:`` is the caller's), after steps whose outputs
        by id are ``outputs``."""
        self.runs += 1
        runner = {"temp": str(self.runner_temp), "os": self.env["RUNNER_OS"]}
        if "uses" in step:
            return self._cache_step(step, given, runner, outputs)
        output = self.folder / f"output-{self.runs}"
        output.touch()
        step_env = {
            **self.env,
            **(env or {}),
            "GITHUB_ACTION": step_id,
            "GITHUB_ACTION_PATH": str(action),
            "GITHUB_OUTPUT": str(output),
            **runner_env(step, given, self.github, runner, outputs),
        }
        script = self.folder / f"step-{self.runs}.sh"
        script.write_text(step["run"])
        process = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=step_env,
            cwd=self.workspace,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        return StepRun(
            step["name"],
            returncode=process.returncode,
            stdout=process.stdout,
            stderr=process.stderr,
            outputs=read_outputs(output),
        )

    def _cache_step(
        self,
        step: dict[str, Any],
        given: dict[str, str],
        runner: dict[str, str],
        outputs: dict[str, dict[str, str]],
    ) -> StepRun:
        match = _CACHE_ACTION.match(step["uses"])
        assert match, f"tests/composite.py does not know the action {step['uses']}"
        with_ = {
            k: evaluate(str(v), given, self.github, runner, outputs)
            for k, v in step["with"].items()
        }
        assert set(with_) == {"path", "key"}, with_
        path, key = Path(with_["path"]), with_["key"]
        assert key, "a cache step with an empty key"
        if match.group(1) == "restore":
            hit = self.cache.restore(key, path)
            return StepRun(step["name"], outputs={"cache-hit": str(hit).lower()})
        self.cache.save(key, path)
        return StepRun(step["name"])
