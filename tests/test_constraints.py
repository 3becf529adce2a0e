"""constraints.txt pins the whole runtime tree of the action (what action.yml installs), each
package once, at a version its dependants accept: a new dependency cannot slip in unpinned."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # the dev extra installs tomli on 3.10
    import tomli as tomllib

ROOT = Path(__file__).parent.parent
CONSTRAINTS = ROOT / "constraints.txt"


def pins() -> dict[str, Version]:
    pinned: dict[str, Version] = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, separator, version = line.partition("==")
        assert separator, f"not an exact pin: {line}"
        key = canonicalize_name(name)
        assert key not in pinned, f"pinned twice: {name}"
        pinned[key] = Version(version)
    return pinned


def runtime_requirements() -> list[Requirement]:
    """Every requirement of golive-action without its extras, followed through the installed
    tree with the extras each dependant asks for (PyGithub wants pyjwt[crypto])."""
    seen: set[tuple[str, frozenset[str]]] = set()
    found: list[Requirement] = []
    todo: list[tuple[str, frozenset[str]]] = [("golive-action", frozenset())]
    while todo:
        name, extras = todo.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            wanted = extras | {""}
            if requirement.marker and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in wanted
            ):
                continue
            found.append(requirement)
            key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
            if key not in seen:
                seen.add(key)
                todo.append((requirement.name, frozenset(requirement.extras)))
    return found


def test_every_runtime_dependency_is_pinned_at_an_accepted_version():
    pinned = pins()
    for requirement in runtime_requirements():
        key = canonicalize_name(requirement.name)
        assert key in pinned, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned[key], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[key]}, outside {requirement}"
        )


def test_nothing_is_pinned_that_the_action_does_not_install():
    needed = {canonicalize_name(r.name) for r in runtime_requirements()}
    assert set(pins()) - needed == set()


def pyproject_dependencies() -> list[Requirement]:
    """pyproject.toml's runtime dependencies, read from the file itself: the installed
    metadata the tests above follow is only as new as the last ``pip install -e``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_every_dependency_of_pyproject_is_installed_by_the_action():
    """The action installs constraints.txt and nothing else (the gate runs from its source):
    a dependency added to pyproject.toml but not pinned here would be missing from the
    action's venv, and the gate would fail to import on every runner."""
    pinned = pins()
    for requirement in pyproject_dependencies():
        key = canonicalize_name(requirement.name)
        assert key in pinned, f"{requirement} of pyproject.toml is not in constraints.txt"
        assert requirement.specifier.contains(pinned[key], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[key]}, outside {requirement} "
            "of pyproject.toml"
        )


def test_the_action_installs_constraints_txt_and_nothing_else():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    install = next(s for s in action["runs"]["steps"] if s.get("id") == "install")["run"]
    assert 'pins=(--requirement "$GITHUB_ACTION_PATH/constraints.txt")' in install
    # The browser checks' pins, only when the browser input is true.
    assert (
        'if [ "$GOLIVE_BROWSER" = true ]; then\n'
        '  pins+=(--requirement "$GITHUB_ACTION_PATH/constraints-browser.txt")\nfi'
    ) in install
    # Each installer's command (uv, the interpreter's pip, the venv's pip) names the pins as
    # its requirements: no package path, no other requirement.
    commands = re.findall(r"pip(?: --python \S+)? install (.*?)(?<!\\)\n", install, re.DOTALL)
    assert len(commands) == 3, commands
    for command in commands:
        assert command.split()[-1] == '"${pins[@]}"', command


def test_the_browser_pins_are_what_the_browser_extra_needs():
    pinned = {}
    for line in (ROOT / "constraints-browser.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = Version(version)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extra = [Requirement(r) for r in project["project"]["optional-dependencies"]["browser"]]
    for requirement in extra:
        key = canonicalize_name(requirement.name)
        assert key in pinned, f"{requirement} is not in constraints-browser.txt"
        assert requirement.specifier.contains(pinned[key]), (requirement, pinned[key])
        for needed in metadata.requires(requirement.name) or []:
            dependency = Requirement(needed)
            if dependency.marker is None or dependency.marker.evaluate():
                dep = canonicalize_name(dependency.name)
                assert dep in pinned, f"{dependency} of {requirement.name} is not pinned"
                assert dependency.specifier.contains(pinned[dep]), (dependency, pinned[dep])
