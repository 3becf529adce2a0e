"""action.yml and the example workflows: valid, injection-free, in step with the config,
and the composite steps really install and run the gate."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from golive_action.config import input_specs
from golive_action.report.outputs import OUTPUT_NAMES
from golive_action.sandbox import github_api
from tests.test_cli import read_outputs

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
BIN = Path(sys.executable).parent
ACTION_ONLY_INPUTS = {"python"}


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else name


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """One of the dev tools (check-jsonschema, zizmor) in the repository root."""
    return subprocess.run(
        [tool(name), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_action_yml_is_generated_from_the_schema():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_action.py"), "--check"], cwd=ROOT, check=False
    )
    assert result.returncode == 0, "run: .venv/bin/python scripts/gen_action.py"


def test_every_action_input_is_a_config_input_and_back():
    assert set(ACTION["inputs"]) - ACTION_ONLY_INPUTS == set(input_specs())


def test_every_action_input_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in ACTION["inputs"]:
        assert f"`{name}`" in readme, name


def test_every_output_is_declared_and_comes_from_the_gate_step():
    assert list(ACTION["outputs"]) == list(OUTPUT_NAMES)
    for name, output in ACTION["outputs"].items():
        assert output["value"] == f"${{{{ steps.gate.outputs.{name} }}}}"


def test_inputs_reach_the_gate_only_through_env():
    steps = ACTION["runs"]["steps"]
    gate = next(s for s in steps if s.get("id") == "gate")
    for spec in input_specs().values():
        env_name = "INPUT_" + spec.name.upper().replace("-", "_")
        assert gate["env"][env_name] == f"${{{{ inputs.{spec.name} }}}}"


def test_no_action_default_beats_an_environment_variable_of_the_same_input():
    """An input also read from an environment variable (GITHUB_API_URL, SPARK_API_URL, ...)
    must not get a literal default in action.yml: the default reaches the gate as
    INPUT_<NAME>, which is read first, so the variable would never count (a GHES runner's
    API URL, say). Its default is empty, or the runner's own context for the same value."""
    for spec in input_specs().values():
        outside = [n for n in spec.env_names if not n.startswith(("INPUT_", "GOLIVE_"))]
        if not outside:
            continue
        default = ACTION["inputs"][spec.name]["default"]
        assert default == "" or re.fullmatch(r"\$\{\{ github\.[a-z_]+ \}\}", default), (
            spec.name,
            default,
        )


_EXPRESSION = re.compile(r"\$\{\{\s*(inputs|github)\.([A-Za-z0-9_-]+)\s*\}\}")


def runner_env(step: dict, given: dict[str, str], github: dict[str, str]) -> dict[str, str]:
    """A composite step's ``env:`` as the runner evaluates it: ``inputs.X`` is the value the
    workflow gave in ``with:``, else the action's default (itself evaluated, so a default of
    ``${{ github.api_url }}`` is the runner's API URL); ``github.X`` is the context."""

    def evaluate(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            scope, name = match.groups()
            if scope == "github":
                return github.get(name, "")
            if name in given:
                return given[name]
            return evaluate(str(ACTION["inputs"][name]["default"]))

        return _EXPRESSION.sub(value, text)

    return {key: evaluate(str(text)) for key, text in step.get("env", {}).items()}


@pytest.mark.parametrize("path", [ROOT / "action.yml", *EXAMPLES], ids=lambda p: p.name)
def test_no_expression_inside_a_run_script(path):
    document = yaml.safe_load(path.read_text())
    steps = document.get("runs", {}).get("steps", [])
    for job in document.get("jobs", {}).values():
        steps += job.get("steps", [])
    for step in steps:
        assert "${{" not in step.get("run", ""), step


def test_action_yml_is_a_valid_action():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-actions", "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_examples_are_valid_workflows():
    result = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, EXAMPLES)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = run_tool("zizmor", "--offline", "action.yml", *map(str, EXAMPLES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_the_four_examples_exist_with_minimal_permissions():
    names = {p.name for p in EXAMPLES}
    assert names == {
        "receipts-gate.yml",
        "manual-canary.yml",
        "pr-status.yml",
        "rollback-validation.yml",
    }
    for path in EXAMPLES:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, path.name
            allowed = {"actions": "read", "statuses": "write"}
            if (path.name, name) == ("receipts-gate.yml", "rollback"):
                allowed = {"actions": "write"}  # it dispatches the deploy workflow, no more
            assert all(allowed.get(k) == v for k, v in job["permissions"].items()), path.name


def test_receipts_gate_runs_the_canary_on_both_triggers_and_rolls_back_on_the_output():
    workflow = yaml.safe_load((ROOT / "examples" / "receipts-gate.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    assert {"schedule", "workflow_dispatch"} <= set(triggers)
    gate = workflow["jobs"]["gate"]
    step = next(s for s in gate["steps"] if s.get("id") == "gate")
    assert "if" not in step  # no trigger condition: the canary runs on every trigger
    assert "spark-api-url" in step["with"] and "spark-api-token" in step["with"]
    upload = next(s for s in gate["steps"] if "upload-artifact" in s.get("uses", ""))
    assert "canary_resp.json" in upload["with"]["path"]
    assert "golive-report.json" in upload["with"]["path"]
    rollback = workflow["jobs"]["rollback"]
    assert "needs.gate.outputs.rollback == 'true'" in rollback["if"]
    # A real rollback: the deploy workflow dispatched with the flag off, waited for, and the
    # result validated by the gate in mode rollback.
    dispatch = rollback["steps"][0]
    assert 'gh workflow run "$DEPLOY_WORKFLOW"' in dispatch["run"]
    assert '-f "$DEPLOY_FLAG_INPUT=false"' in dispatch["run"]
    assert "gh run watch" in dispatch["run"] and "--exit-status" in dispatch["run"]
    assert "${{" not in dispatch["run"]  # expressions reach the script through env only
    validate = next(s for s in rollback["steps"] if "golive-action" in s.get("uses", ""))
    assert validate["with"]["mode"] == "rollback"


def _run_script(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_composite_steps_install_and_run_the_gate(tmp_path, stack):
    """Run the action's own scripts as the runner would: find Python, install the action into a
    venv under RUNNER_TEMP with the constraints, run the gate against the reference stack."""
    s = stack("healthy")
    steps = {step.get("name"): step for step in ACTION["runs"]["steps"]}
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    pip_cache = Path.home() / ".cache" / "pip"
    if pip_cache.is_dir():
        (runner_temp / "golive-pip-cache").symlink_to(pip_cache)
    output = tmp_path / "output"
    output.touch()
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(Path.home()),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_OUTPUT": str(output),
    }
    found = _run_script(
        steps["Find Python 3.10+"]["run"], {**base, "GOLIVE_PYTHON": sys.executable}
    )
    assert found.returncode == 0, found.stderr
    python = read_outputs(output)["path"]

    copy = tmp_path / "action"  # install from a copy: pip must not write into the work tree
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", ".*_cache"),
    )
    install = _run_script(
        steps["Install golive-action"]["run"],
        {**base, "GITHUB_ACTION_PATH": str(copy), "GOLIVE_PY": python},
    )
    assert install.returncode == 0, install.stdout + install.stderr

    gate_out = tmp_path / "gate-output"
    gate_out.touch()
    # The runner's own variables and context: the stack's GitHub API stands in for a GitHub
    # Enterprise Server, whose URL the gate must take from the runner, not from a default.
    runner = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": s.urls["github_api_url"],
        "GITHUB_REPOSITORY": github_api.REPOSITORY,
        "GITHUB_WORKFLOW_REF": f"{github_api.REPOSITORY}/.github/workflows/"
        f"{github_api.WORKFLOW_FILE}@refs/heads/main",
    }
    context = {"token": "gh-stack-token", "api_url": s.urls["github_api_url"]}
    given = {
        "web-url": s.urls["web_url"],
        "ws-url": s.urls["ws_url"],
        "duration": "2",
        "executor-url": s.urls["executor_url"],
        "spark-api-url": s.urls["executor_url"],
        "spark-api-token": "stack-canary-token",
        "samples": "2",
        "sample-interval": "0",
        "report": str(tmp_path / "report.json"),
        "ticker-url": "",
    }
    gate_step = steps["Go/No-Go gate"]
    env = {
        **base,
        **runner,
        "GITHUB_OUTPUT": str(gate_out),
        **runner_env(gate_step, given, context),
    }
    assert env["INPUT_GITHUB_API_URL"] == s.urls["github_api_url"]
    run = subprocess.run(
        ["bash", "-c", gate_step["run"]],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = read_outputs(gate_out)
    assert outputs["decision"] == "go"
    assert Path(outputs["report"]).exists()
    # The pass rate was read from the runner's API URL: the stack's runs, 7 of 7.
    assert outputs["canary-pass-rate"] == "100.0", run.stdout
    report = json.loads(Path(outputs["report"]).read_text())
    rate = next(c for c in report["checks"] if c["id"] == "canary-rate")
    assert rate["verdict"] == "pass" and rate["metrics"]["counted"] == 7


def test_find_python_fails_with_a_clear_error(tmp_path):
    steps = {step.get("name"): step for step in ACTION["runs"]["steps"]}
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    old = fake_bin / "python3"
    old.write_text("#!/bin/sh\nexit 1\n")  # a Python that is too old
    old.chmod(0o755)
    for tool_name in ("bash", "sha256sum", "cut"):
        if (path := shutil.which(tool_name)) is not None:
            (fake_bin / tool_name).symlink_to(path)
    env = {
        "PATH": str(fake_bin),
        "GOLIVE_PYTHON": "python3",
        "GITHUB_OUTPUT": str(tmp_path / "o"),
        "GITHUB_ACTION_PATH": str(ROOT),
    }
    result = _run_script(steps["Find Python 3.10+"]["run"], env)
    assert result.returncode == 2
    assert re.search(
        r"^::error title=golive-action::no Python 3\.10 or newer found", result.stdout, re.MULTILINE
    )


def test_every_example_gives_the_inputs_its_mode_requires():
    """A gate step of an example names an input for every check its mode requires (or
    waives it): an example that could never give GO is no example."""
    from golive_action.judge.registry import demands
    from golive_action.limits import PreflightFacts

    for path in EXAMPLES:
        workflow = yaml.safe_load(path.read_text())
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if "golive-action" not in step.get("uses", ""):
                    continue
                given = frozenset(k for k, v in step.get("with", {}).items() if str(v).strip())
                # In Actions the token, the repository and the workflow are always known.
                given |= {"github-token", "github-repository", "canary-workflow"}
                mode = step["with"].get("mode", "go-live")
                facts = PreflightFacts(mode, given, None, mode != "rollback")
                assert demands(facts) == (), (path.name, demands(facts))
