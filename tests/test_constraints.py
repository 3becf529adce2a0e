"""constraints.txt pins the whole runtime tree of the action (what action.yml installs), each
package once, at a version its dependants accept: a new dependency cannot slip in unpinned."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

CONSTRAINTS = Path(__file__).parent.parent / "constraints.txt"


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
