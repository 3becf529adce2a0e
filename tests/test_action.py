"""action.yml and the example workflows: valid, injection-free, in step with the config,
and the composite steps really install and run the gate."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.utils import canonicalize_name

from golive_action import __version__
from golive_action.config import input_specs
from golive_action.report.outputs import OUTPUT_NAMES
from golive_action.sandbox import github_api
from tests.composite import MARKER, Cache, Job, StepRun, runner_env, step_named, tree
from tests.conftest import stack_inputs
from tests.test_cli import read_outputs
from tests.test_constraints import pins

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


def test_the_examples_exist_with_minimal_permissions():
    names = {p.name for p in EXAMPLES}
    assert names == {
        "receipts-gate.yml",
        "manual-canary.yml",
        "pr-status.yml",
        "rollback-validation.yml",
        "multi-region.yml",
        "monitor.yml",
    }
    for path in EXAMPLES:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            assert "permissions" in job, path.name
            allowed = {"actions": "read", "statuses": "write"}
            if (path.name, name) == ("receipts-gate.yml", "rollback"):
                allowed = {"actions": "write"}  # it dispatches the deploy workflow, no more
            if (path.name, name) == ("monitor.yml", "issue"):
                allowed = {"issues": "write"}  # it opens, updates and closes one issue
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


def _uv() -> Path | None:
    """uv, when this machine has it (the dev extra installs it beside the tests' Python)."""
    found = BIN / "uv" if (BIN / "uv").exists() else shutil.which("uv")
    return Path(found) if found else None


def _path_without_uv() -> str:
    """This machine's PATH with no uv on it: the action falls back to pip."""
    dirs = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not (Path(d) / "uv").exists())


def _path_with_uv() -> str:
    uv = _uv()
    assert uv is not None
    return os.pathsep.join([str(uv.parent), _path_without_uv()])


def _bare_path(tmp_path: Path) -> str:
    """A PATH with bash and cat only: no uv, no pip, no python to install anything with (the
    action's Python is given by its absolute path)."""
    bare = tmp_path / "bare-bin"
    bare.mkdir()
    for name in ("bash", "cat"):
        found = shutil.which(name)
        assert found is not None, name
        (bare / name).symlink_to(found)
    return str(bare)


def _installed(venv: Path) -> dict[str, str]:
    """The distributions in a venv, by canonical name (what pip list would show)."""
    listing = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-I",
            "-c",
            "import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {canonicalize_name(k): v for k, v in json.loads(listing.stdout).items()}


def _assert_holds_exactly_the_pins(venv: Path) -> None:
    """constraints.txt pins exactly what is installed: every pin at its version, nothing
    else (a venv seeded with pip keeps its pip, which is the installer, not the gate's)."""
    installed = {k: v for k, v in _installed(venv).items() if k not in {"pip", "setuptools"}}
    assert installed == {k: str(v) for k, v in pins().items()}


def _python_of(job: Job) -> str:
    return str(job.venv / "bin" / "python")


@pytest.fixture(scope="module")
def action_copy(tmp_path_factory) -> Path:
    """The action as a runner has it (GITHUB_ACTION_PATH): a copy of the work tree, which the
    gate runs from and may write its bytecode into."""
    copy = tmp_path_factory.mktemp("action") / "golive-action"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__", ".*_cache"),
    )
    return copy


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Cache:
    """The repository's cache, shared by the jobs of this module."""
    return Cache(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def first_job(tmp_path_factory, action_copy, cache) -> tuple[Job, dict[str, StepRun]]:
    """A job on a runner without uv and an empty cache: the action finds Python, misses the
    cache, builds the venv with pip and saves it. Its steps up to the gate, run once."""
    job = Job.new(tmp_path_factory.mktemp("job-1"), cache, _path_without_uv())
    done = job.run_action(action_copy, {"python": sys.executable}, until="Go/No-Go gate")
    return job, done


def test_an_empty_cache_builds_the_venv_with_pip_and_saves_it(first_job, cache):
    job, done = first_job
    for run in done.values():
        assert run.returncode == 0, (run.name, run.log)
    found = done["Find Python 3.10+"].outputs
    assert found["tool"] == "pip" and found["ready"] == "false"
    assert done["Restore the venv"].outputs["cache-hit"] == "false"
    assert done["Install golive-action"].outputs == {"installed": "true"}
    assert cache.saved == [found["venv-key"]]
    assert (job.venv / MARKER).read_text() == found["venv-key"] + "\n"
    _assert_holds_exactly_the_pins(job.venv)
    # Nothing of the gate is installed: it runs from the action's source.
    assert "golive-action" not in _installed(job.venv)


def test_the_gate_runs_from_the_action_source_with_its_version_and_schemas(first_job, action_copy):
    job, _ = first_job
    probe = (
        "import golive_action, golive_action.config as c; "
        "print(golive_action.__file__); print(len(c.input_specs()))"
    )
    env = {"PATH": job.env["PATH"], "PYTHONPATH": str(action_copy)}
    for argv, check in (
        (["-m", "golive_action", "--version"], lambda out: out == f"golive {__version__}\n"),
        (["-c", probe], lambda out: out.startswith(str(action_copy / "golive_action"))),
    ):
        done = subprocess.run(
            [_python_of(job), *argv], env=env, cwd=job.workspace, capture_output=True, text=True
        )
        assert done.returncode == 0 and check(done.stdout), done.stdout + done.stderr


def test_composite_steps_install_and_run_the_gate(first_job, action_copy, stack):
    """The gate step as the runner evaluates it, after the steps that installed its venv,
    against the reference stack."""
    job, _ = first_job
    s = stack("healthy")
    # The runner's own variables and context: the stack's GitHub API stands in for a GitHub
    # Enterprise Server, whose URL the gate must take from the runner, not from a default.
    runner = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": s.urls["github_api_url"],
        "GITHUB_REPOSITORY": github_api.REPOSITORY,
        "GITHUB_WORKFLOW_REF": f"{github_api.REPOSITORY}/.github/workflows/"
        f"{github_api.WORKFLOW_FILE}@refs/heads/main",
    }
    job.github = {"token": "gh-stack-token", "api_url": s.urls["github_api_url"]}
    given = {
        "web-url": s.urls["web_url"],
        "ws-url": s.urls["ws_url"],
        "duration": "2",
        "executor-url": s.urls["executor_url"],
        "spark-api-url": s.urls["executor_url"],
        "spark-api-token": "stack-canary-token",
        "samples": "2",
        "sample-interval": "0",
        "report": str(job.folder / "report.json"),
        "ticker-url": "",
    }
    gate_step = step_named("Go/No-Go gate")
    assert (
        runner_env(gate_step, given, job.github)["INPUT_GITHUB_API_URL"] == s.urls["github_api_url"]
    )
    run = job.run_step(action_copy, gate_step, given, {}, env=runner, timeout=120)
    assert run.returncode == 0, run.log
    outputs = run.outputs
    assert outputs["decision"] == "go"
    assert Path(outputs["report"]).exists()
    # The pass rate was read from the runner's API URL: the stack's runs, 7 of 7.
    assert outputs["canary-pass-rate"] == "100.0", run.stdout
    report = json.loads(Path(outputs["report"]).read_text())
    rate = next(c for c in report["checks"] if c["id"] == "canary-rate")
    assert rate["verdict"] == "pass" and rate["metrics"]["counted"] == 7


PLANTED = """
import os, pathlib
pathlib.Path(os.environ["GOLIVE_PLANTED_MARKER"]).joinpath(__name__ + ".ran").touch()
output = os.environ.get("GITHUB_OUTPUT")
if output:
    with open(output, "a") as file:
        file.write("decision=go\\n")
"""


def test_the_gate_step_runs_no_code_from_the_workspace(first_job, action_copy, tmp_path):
    """A checked-out repository (a pull request's, say) that holds a package of the gate's
    name or a module the gate imports, in the working directory or on PYTHONPATH, never runs:
    the gate runs isolated, from the action's own folder."""
    job, _ = first_job
    workspace = tmp_path / "workspace"
    (workspace / "golive_action").mkdir(parents=True)
    for planted in (
        "golive_action/__init__.py",
        "golive_action/__main__.py",
        "golive_action/entry.py",
        "requests.py",
        "websocket.py",
        "yaml.py",
        "json.py",
        "sitecustomize.py",
        "usercustomize.py",
    ):
        (workspace / planted).write_text(PLANTED)
    marker = tmp_path / "ran"
    marker.mkdir()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        dead = f"http://127.0.0.1:{listener.getsockname()[1]}"  # closed when the gate runs
    given = {"web-url": dead, "duration": "1", "report": str(tmp_path / "report.json")}
    env = {
        "GOLIVE_PLANTED_MARKER": str(marker),
        "PYTHONPATH": str(workspace),
        "PYTHONSTARTUP": str(workspace / "requests.py"),
        "PYTHONUSERBASE": str(workspace),
    }
    # The first job's venv (its RUNNER_TEMP), with this test's folder and workspace.
    here = Job(tmp_path, job.cache, {**job.env, "HOME": str(workspace)})
    run = here.run_step(action_copy, step_named("Go/No-Go gate"), given, {}, env=env, timeout=120)
    assert sorted(p.name for p in marker.iterdir()) == [], run.log
    assert run.returncode == 1, run.log
    assert run.outputs["decision"] == "no-go", run.outputs
    assert json.loads((tmp_path / "report.json").read_text())["decision"] == "no-go"


def test_the_gate_step_execs_the_gate_so_that_the_runners_signal_reaches_it(first_job, action_copy):
    """On cancellation the runner signals the step's entry process, the bash of the gate
    step: the gate must be that process (exec), stop and publish its NO-GO (exit 130)."""
    job, _ = first_job
    gate_step = step_named("Go/No-Go gate")
    output = job.folder / "signalled-output"
    output.touch()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(60)
        given = {
            "web-url": f"http://127.0.0.1:{listener.getsockname()[1]}",
            "report": str(job.folder / "signalled.json"),
        }
        env = {
            **job.env,
            "GITHUB_ACTION_PATH": str(action_copy),
            "GITHUB_OUTPUT": str(output),
            **runner_env(gate_step, given, {}),
        }
        script = job.folder / "gate-step.sh"
        script.write_text(gate_step["run"])
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=env,
            cwd=job.workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            connection, _ = listener.accept()  # the gate is observing (a 30 s window)
            process.send_signal(signal.SIGINT)  # to the entry process only, as the runner
            out, err = process.communicate(timeout=20)
            connection.close()
        finally:
            process.kill()
    assert process.returncode == 130, out + err
    assert read_outputs(output)["decision"] == "no-go"
    report = json.loads(Path(given["report"]).read_text())
    assert report["reason"].startswith("interrupted by SIGINT"), report["reason"]


def _same_job(first: Job, folder: Path, path: str) -> Job:
    """The first job again, later: its RUNNER_TEMP (copied, so that each test has its own)."""
    job = Job.new(folder, first.cache, path)
    shutil.rmtree(job.runner_temp)
    shutil.copytree(first.runner_temp, job.runner_temp, symlinks=True)
    return job


def test_a_second_run_in_the_job_installs_nothing(first_job, action_copy, tmp_path):
    first, _ = first_job
    job = _same_job(first, tmp_path / "job", _bare_path(tmp_path))
    before = tree(job.venv)
    saved = list(job.cache.saved)
    done = job.run_action(action_copy, {"python": sys.executable}, until="Go/No-Go gate")
    install = done["Install golive-action"]
    assert install.returncode == 0, install.log
    assert done["Find Python 3.10+"].outputs["ready"] == "true"
    assert done["Restore the venv"].skipped  # nothing downloaded either
    assert "nothing to install" in install.stdout and install.outputs == {}
    assert done["Save the venv"].skipped and job.cache.saved == saved
    assert tree(job.venv) == before  # not a file written, removed or replaced


def test_a_venv_restored_from_the_cache_is_used_as_it_is(first_job, action_copy, tmp_path):
    """A later job on another runner: an empty RUNNER_TEMP, the venv from the cache."""
    first, _ = first_job
    job = Job.new(tmp_path / "job-2", first.cache, _bare_path(tmp_path))
    done = job.run_action(action_copy, {"python": sys.executable}, until="Go/No-Go gate")
    key = done["Find Python 3.10+"].outputs["venv-key"]
    assert done["Find Python 3.10+"].outputs["ready"] == "false"
    assert done["Restore the venv"].outputs["cache-hit"] == "true"
    restored = tree(job.venv)
    install = done["Install golive-action"]
    assert install.returncode == 0, install.log
    assert "nothing to install" in install.stdout and install.outputs == {}
    assert done["Save the venv"].skipped and job.cache.restored[-1] == key
    assert tree(job.venv) == restored
    version = subprocess.run(
        [_python_of(job), "-m", "golive_action", "--version"],
        env={"PYTHONPATH": str(action_copy)},
        capture_output=True,
        text=True,
    )
    assert version.stdout == f"golive {__version__}\n", version.stderr


@pytest.mark.parametrize("damage", ["another key", "no marker", "not a venv"])
def test_a_venv_that_is_not_the_key_s_is_rebuilt(first_job, action_copy, tmp_path, damage):
    """The install step's own check, on a venv in place (restored, or left by an earlier
    run): its marker must name this key and its Python must run as a venv's. With uv when
    this machine has it (the faster rebuild), else with pip."""
    first, _ = first_job
    path = _path_with_uv() if _uv() else _path_without_uv()
    job = Job.new(tmp_path / "job", first.cache, path)
    find = step_named("Find Python 3.10+")
    found = job.run_step(action_copy, find, {"python": sys.executable}, {})
    assert found.returncode == 0, found.log
    key = found.outputs["venv-key"]
    shutil.copytree(first.venv, job.venv, symlinks=True)
    (job.venv / MARKER).write_text(key + "\n")
    if damage == "another key":
        (job.venv / MARKER).write_text(key + "-of-another-venv\n")
    elif damage == "no marker":
        (job.venv / MARKER).unlink()
    else:
        (job.venv / "pyvenv.cfg").unlink()
    (job.venv / "left-over").write_text("from the venv before")
    install = job.run_step(
        action_copy, step_named("Install golive-action"), {}, {"python": found.outputs}
    )
    assert install.returncode == 0, install.log
    assert install.outputs == {"installed": "true"}
    assert not (job.venv / "left-over").exists()
    assert (job.venv / MARKER).read_text() == key + "\n"
    _assert_holds_exactly_the_pins(job.venv)


def test_an_interpreter_without_a_pip_of_its_own_seeds_the_venv_with_one(action_copy, tmp_path):
    """The last fallback: no uv, and a Python whose own pip cannot install into another
    environment (missing here; older than 22.3 on some runners): the venv gets a pip of its
    own (ensurepip), which installs the pins."""
    pipless = tmp_path / "pipless"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(pipless)], check=True)
    job = Job.new(tmp_path / "job", Cache(tmp_path / "cache"), _path_without_uv())
    python = str(pipless / "bin" / "python")
    done = job.run_action(action_copy, {"python": python}, until="Go/No-Go gate")
    install = done["Install golive-action"]
    assert install.returncode == 0, install.log
    assert done["Find Python 3.10+"].outputs["path"] == python
    assert install.outputs == {"installed": "true"}
    assert "pip" in _installed(job.venv)  # seeded: the interpreter's own pip was not used
    _assert_holds_exactly_the_pins(job.venv)


def test_the_venv_key_names_what_decides_the_venv(action_copy, tmp_path):
    """The key changes with the runner's OS and architecture, the interpreter, the pins, the
    install recipe (action.yml) and the installer, and with nothing else."""
    fake_uv = tmp_path / "uv-bin"
    fake_uv.mkdir()
    (fake_uv / "uv").write_text("#!/bin/sh\nexit 1\n")  # only looked for, never run here
    (fake_uv / "uv").chmod(0o755)
    changed = {}
    for name, edit in (
        ("constraints", lambda d: d / "constraints.txt"),
        ("recipe", lambda d: d / "action.yml"),
    ):
        other = tmp_path / f"action-{name}"
        other.mkdir()
        for kept in ("constraints.txt", "action.yml"):
            shutil.copy(action_copy / kept, other / kept)
        with edit(other).open("a") as file:
            file.write("# changed\n")
        changed[name] = other

    jobs = iter(range(100))

    def key(action=action_copy, python=sys.executable, path=None, browser="false", **env):
        folder = tmp_path / f"job-{next(jobs)}"
        job = Job.new(folder, Cache(tmp_path / "cache"), path or _path_without_uv(), **env)
        given = {"python": python, "browser": browser}
        found = job.run_step(action, step_named("Find Python 3.10+"), given, {})
        assert found.returncode == 0, found.log
        return found.outputs

    base = key()
    version = ".".join(map(str, sys.version_info[:3]))
    assert base["version"] == version
    prefix = f"golive-venv-Linux-X64-{sys.implementation.name}{version}-"
    assert base["venv-key"].startswith(prefix)
    assert key()["venv-key"] == base["venv-key"]  # the same runner, the same key
    others = [
        key(RUNNER_OS="macOS"),
        key(RUNNER_ARCH="ARM64"),
        key(python=os.path.realpath(sys.executable)),  # the same build, at another path
        key(action=changed["constraints"]),
        key(action=changed["recipe"]),
        key(browser="true"),  # Playwright in the venv too
        key(path=os.pathsep.join([str(fake_uv), _path_without_uv()])),
    ]
    keys = [base["venv-key"], *(o["venv-key"] for o in others)]
    assert len(set(keys)) == len(keys), keys
    assert others[-1]["tool"] == "uv" and base["tool"] == "pip"


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
                if "merge" in given:
                    continue  # it judges the runners' reports: their inputs are theirs
                # In Actions the token, the repository and the workflow are always known.
                given |= {"github-token", "github-repository", "canary-workflow", "trend-workflow"}
                mode = step["with"].get("mode", "go-live")
                facts = PreflightFacts(mode, given, None, mode != "rollback")
                assert demands(facts) == (), (path.name, demands(facts))


def test_two_runs_in_one_job_keep_both_runs_files_and_install_once(action_copy, tmp_path, stack):
    """The action twice in one job (the same RUNNER_TEMP and workspace, a GITHUB_OUTPUT per
    step, two step ids), neither naming its files: the first writes golive-report.json and
    canary_resp.json, the second golive-report-<its id>.json and canary_resp-<its id>.json,
    and finds the first one's venv, installing nothing."""
    s = stack("healthy")
    path = _path_with_uv() if _uv() else _path_without_uv()
    job = Job.new(tmp_path / "job", Cache(tmp_path / "cache"), path, GITHUB_ACTIONS="true")
    given = {"python": sys.executable, **stack_inputs(s, duration="1", samples="2")}
    first = job.run_action(action_copy, given, step_id="gate")
    assert first["Install golive-action"].outputs == {"installed": "true"}
    gate = first["Go/No-Go gate"]
    assert gate.returncode == 0, gate.log
    assert (gate.outputs["report"], gate.outputs["canary-response"]) == (
        "golive-report.json",
        "canary_resp.json",
    )
    kept = {name: (job.workspace / name).read_bytes() for name in os.listdir(job.workspace)}
    assert set(kept) == {"golive-report.json", "canary_resp.json"}
    venv = tree(job.venv)

    second = job.run_action(action_copy, given, step_id="rollback-check")
    assert second["Restore the venv"].skipped and second["Save the venv"].skipped
    assert "nothing to install" in second["Install golive-action"].stdout
    assert tree(job.venv) == venv and len(job.cache.saved) == 1
    gate = second["Go/No-Go gate"]
    assert gate.returncode == 0, gate.log
    assert (gate.outputs["report"], gate.outputs["canary-response"]) == (
        "golive-report-rollback-check.json",
        "canary_resp-rollback-check.json",
    )
    for name, content in kept.items():
        assert (job.workspace / name).read_bytes() == content, name  # the first run's, kept
    reports = [
        json.loads((job.workspace / o).read_text())
        for o in ("golive-report.json", gate.outputs["report"])
    ]
    assert all(r["decision"] == "go" for r in reports)
    assert reports[0]["started_at"] != reports[1]["started_at"]
    assert (job.workspace / gate.outputs["canary-response"]).is_file()


def test_browser_true_adds_playwright_to_its_own_venv_and_the_gate_sees_the_page(
    action_copy, tmp_path, stack
):
    """With the browser input true the venv holds Playwright too, under a key of its own,
    and the gate drives the runner's Chromium (as GitHub's Ubuntu runners have Chrome)."""
    from golive_action.observe.browser import BrowserUnavailable, locate

    try:
        chromium = locate().path
    except BrowserUnavailable as exc:
        pytest.fail(f"this test needs a Chrome or Chromium: {exc}")
    s = stack("healthy")
    job = Job.new(tmp_path / "job", Cache(tmp_path / "cache"), _path_without_uv())
    given = {
        "python": sys.executable,
        "browser": "true",
        "browser-executable": chromium or "",
        "mode": "rollback",  # the shortest run that judges the page
        "web-url": s.urls["web_url"],
        "executor-url": s.urls["executor_url"],
        "duration": "3",
        "samples": "2",
        "sample-interval": "0",
        "report": str(job.folder / "report.json"),
        "ticker-url": "",
    }
    done = job.run_action(action_copy, given, env={"GITHUB_ACTIONS": "true"})
    found = done["Find Python 3.10+"].outputs
    assert found["browser"] == "true"
    assert found["venv-key"].endswith("-browser")
    installed = _installed(job.venv)
    browser_pins = dict(
        line.split("==")
        for line in (ROOT / "constraints-browser.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert {canonicalize_name(k): v for k, v in browser_pins.items()}.items() <= installed.items()
    gate = done["Go/No-Go gate"]
    report = json.loads(Path(gate.outputs["report"]).read_text())
    page = next(c for c in report["checks"] if c["id"] == "ui-browser")
    assert page["verdict"] == "fail", page["reason"]  # the healthy stack's page has WS on
    assert "still shows the WebSocket pill" in page["reason"]
    assert Path(gate.outputs["screenshot"]).read_bytes().startswith(b"\x89PNG")


def test_the_merge_input_merges_the_reports_a_job_downloaded(action_copy, tmp_path, stack):
    """A matrix leg's step (publish: false) writes its report; a later step of the action,
    given merge:, judges it with a runner that sent nothing: named, and NO-GO until
    min-runners says one is enough."""
    s = stack("healthy")
    path = _path_with_uv() if _uv() else _path_without_uv()
    job = Job.new(tmp_path / "job", Cache(tmp_path / "cache"), path, GITHUB_ACTIONS="true")
    leg = {
        "python": sys.executable,
        **stack_inputs(s, duration="1", samples="2"),
        "publish": "false",
        "report": "golive-eu.json",
    }
    first = job.run_action(action_copy, leg, step_id="eu")
    gate = first["Go/No-Go gate"]
    assert gate.returncode == 0, gate.log
    assert "::notice" not in gate.stdout and "::error" not in gate.stdout  # publish: false
    merge = {"python": sys.executable, "merge": "golive-eu.json\ngolive-us.json"}
    held = job.run_action(action_copy, merge, step_id="merge")["Go/No-Go gate"]
    assert held.returncode == 1, held.log
    assert held.outputs["decision"] == "no-go"
    document = json.loads((job.workspace / held.outputs["report"]).read_text())
    assert [r["name"] for r in document["merge"]["runners"]] == ["golive-eu", "golive-us"]
    assert document["criteria"][0] == {
        **document["criteria"][0],
        "id": "runners",
        "verdict": "fail",
    }
    enough = {**merge, "min-runners": "1"}
    passed = job.run_action(action_copy, enough, step_id="merge2")["Go/No-Go gate"]
    assert passed.returncode == 0, passed.log
    assert passed.outputs["decision"] == "go"
