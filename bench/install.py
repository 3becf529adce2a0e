"""Installing the action, as action.yml does it (a fresh venv, pip with the pinned
constraints, from a warm pip cache), against installing only requests and websocket-client
(the least a gate of this kind needs) the same way, in the same run.

Figures: pip's wall time (the action's own package is built from source, as on a runner),
the size it adds to the venv's site-packages, and the number of packages installed (pip and
setuptools of the bare venv not counted). The issue sets no budget here:
the figures and ratios are printed so that a heavier dependency shows in review.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

CONSTRAINTS = ROOT / "constraints.txt"
BARE = {"pip", "setuptools", "wheel"}


def install(target: Path, cache: Path, *what: str) -> tuple[float, float, int]:
    """(pip seconds, site-packages MB, packages) of one install into a fresh venv."""
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    python = target / "bin" / "python"
    site = next(target.glob("lib/python3*/site-packages"))
    bare_size = _size(site)
    start = time.perf_counter()
    done = subprocess.run(
        [
            *(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--cache-dir", str(cache), "--constraint", str(CONSTRAINTS), *what),
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"install.py: pip install {' '.join(what)} failed:\n{done.stderr}")
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    packages = [p["name"] for p in json.loads(listed.stdout) if p["name"].lower() not in BARE]
    return seconds, (_size(site) - bare_size) / 1e6, len(packages)


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="golive-install-") as tmp:
        work = Path(tmp)
        cache = work / "pip-cache"
        # Warm the cache with both sets (not timed), as the action's cache step would.
        install(work / "warm-action", cache, str(ROOT))
        install(work / "warm-base", cache, "requests", "websocket-client")
        shutil.rmtree(work / "warm-action")
        shutil.rmtree(work / "warm-base")
        action = install(work / "action", cache, str(ROOT))
        base = install(work / "base", cache, "requests", "websocket-client")
    print("install: a fresh venv, pip from a warm cache, with constraints.txt")
    for name, (seconds, size, count) in (
        ("golive-action", action),
        ("requests + websocket-client", base),
    ):
        print(f"  {name:28} {seconds:6.1f} s  {size:6.1f} MB  {count:3d} packages")
    print(
        f"  ratio: {action[0] / base[0]:.1f} x the time, {action[1] / base[1]:.1f} x the size, "
        f"{action[2] / base[2]:.1f} x the packages"
    )
    print("\nno budget: the issue asks for these figures and the comparison only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
