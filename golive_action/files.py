"""Reading the user's files and writing the gate's own, without surprises.

Inputs (config file, canary file, nginx configuration, access log, CA bundle) are opened
without blocking and must be regular files: a FIFO or a device would hang the gate or feed
it endless bytes. Outputs (the report, the canary response) never replace what is not a
regular file: a new path, and an existing regular file of this user's, is written beside
it and renamed over it (a full disk keeps the old file whole; its mode and the symlinks
that lead to it stay as they were), another user's file is written in place (its owner
kept), and a device, a directory, a FIFO, a
read-only file, a file with other hard links or a symlink that leads out of the working
directory is refused.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO


class FileProblem(OSError):
    """A file the gate must not, or cannot, use. The message is one line and names it."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --------------------------------------------------------------------------- reading


def open_regular(path: str) -> BinaryIO:
    """Open a regular file for reading; refuse anything else before a read could block."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileProblem(exc.errno, f"'{path}' cannot be read ({_reason(exc)})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem(errno.EINVAL, f"'{path}' is {_kind(mode)}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str, cap: int) -> bytes:
    """At most ``cap + 1`` bytes of a regular file (one more than the cap tells it is over)."""
    with open_regular(path) as handle:
        return handle.read(cap + 1)


def input_file_problem(path: str) -> str | None:
    """Why a file input cannot be used (missing, unreadable, not a regular file), or None."""
    try:
        with open_regular(path):
            return None
    except FileProblem as exc:
        return str(exc.strerror)


def pem_bundle_problem(path: str) -> str | None:
    """Why a CA bundle cannot serve: unreadable, or no PEM certificate in it."""
    problem = input_file_problem(path)
    if problem is not None:
        return problem
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        return f"'{path}' holds no PEM certificate"
    if not context.get_ca_certs():
        return f"'{path}' holds no PEM certificate"
    return None


# --------------------------------------------------------------------------- writing


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def output_problem(path: str, cwd: str | None = None) -> str | None:
    """Why the gate must not write ``path``, or None. Checked at start and again on write."""
    if not path.strip():
        return "the path is empty"
    here = os.path.realpath(cwd or os.getcwd())
    logical = os.path.abspath(os.path.join(here, path))
    real = os.path.realpath(logical)
    final_is_link = os.path.islink(logical)
    if not _inside(real, here) and (_inside(logical, here) or final_is_link):
        # A checked-out repository may carry such a link to steer the write elsewhere.
        return f"'{path}' leads out of the working directory through a symlink (to '{real}')"
    try:
        info = os.stat(real)
    except FileNotFoundError:
        if final_is_link:
            return f"'{path}' is a symlink to nothing"
        parent = Path(real).parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            return f"'{path}' is under '{parent}', which is not a directory"
        return None
    except OSError as exc:
        return f"'{path}' cannot be examined ({_reason(exc)})"
    if not stat.S_ISREG(info.st_mode):
        return f"'{path}' is {_kind(info.st_mode)}, not a regular file"
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return f"'{path}' is read-only"
    if info.st_nlink > 1:
        # Written in place, its other names (anywhere on the file system) would change too.
        return f"'{path}' has other hard links"
    return None


def write_output(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` by the rules above; raises FileProblem (an OSError)."""
    problem = output_problem(path)
    if problem is not None:
        raise FileProblem(errno.EPERM, problem)
    target = Path(os.path.realpath(path))
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not replaceable(existing, os.access(target.parent, os.W_OK)):
        _write_in_place(path, target, data)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".golive-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if existing is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(existing.st_mode))
            handle.write(data)
            handle.flush()
            # On disk before the rename: a crash or a full disk never leaves a short file
            # under the old name.
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def replaceable(existing: os.stat_result, folder_writable: bool) -> bool:
    """Whether an existing file may be replaced by a new one of the same name (written beside
    it, then renamed over it: a failed write keeps the old one whole), rather than written in
    place: a regular file of this user's, of one link, in a folder this user may write to.
    Another user's file would change owner if replaced."""
    return (
        stat.S_ISREG(existing.st_mode)
        and existing.st_nlink == 1
        and existing.st_uid == os.geteuid()
        and folder_writable
    )


def _sync_directory(folder: Path) -> None:
    """The rename on disk too, where the system allows a folder to be synced."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_in_place(shown: str, target: Path, data: bytes) -> None:
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise FileProblem(exc.errno, f"'{shown}' cannot be written ({_reason(exc)})") from None
    with os.fdopen(fd, "wb") as handle:
        # Checked again on what was opened: the path may have changed since the check.
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(
                errno.EPERM, f"'{shown}' is {_kind(info.st_mode)}, not a regular file"
            )
        if info.st_nlink > 1:
            raise FileProblem(errno.EPERM, f"'{shown}' has other hard links")
        os.set_blocking(fd, True)
        handle.truncate(0)
        handle.write(data)


def screenshot_path(report: str) -> str:
    """The screenshot's path: beside the report, named after it (golive-report.json gives
    golive-screenshot.png, golive-report-gate.json golive-screenshot-gate.png, x.json
    x-screenshot.png); in the working directory when no report is written."""
    folder, name = os.path.split(report)
    stem = name[:-5] if name.lower().endswith(".json") else name
    if not stem:
        return "golive-screenshot.png"
    if stem.startswith("golive-report"):
        return os.path.join(folder, "golive-screenshot" + stem[len("golive-report") :] + ".png")
    return os.path.join(folder, stem + "-screenshot.png")


def executable(given: str) -> str | None:
    """The executable file ``given`` names (a path, or a name on PATH), or None."""
    import shutil

    found = shutil.which(given) if os.sep not in given else given
    if found is None or not os.path.isfile(found) or not os.access(found, os.X_OK):
        return None
    return found
