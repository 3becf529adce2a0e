"""Read one member of a run's artifact zip, safely: capped download (through the GitHub
client: the token only to the API's origin, never to the storage an artifact lives on),
capped member, no absolute or '..' member names, no trust in the sizes the zip claims, and a
zip that cannot be read (an encrypted member, a compression method Python does not have,
corrupt data) is that run's missing evidence, with the reason, never an exception."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from golive_action.observe.github_client import (
    GitHubApi,
    Malformed,
    TooLarge,
    Unreachable,
)
from golive_action.text import one_line

ZIP_CAP = 10 * 1024 * 1024
MEMBER_CAP = 1024 * 1024
MEMBERS = ("canary_resp.json", "golive-report.json")
_ENCRYPTED = 0x1  # general purpose flag bit 0 (APPNOTE 4.4.4)
# What zipfile raises on a zip it cannot read: its own error, zlib's, and the standard ones
# its parsing and decompressors let through.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


@dataclass(frozen=True)
class ArtifactRead:
    member: str | None = None
    text: str | None = None
    note: str | None = None  # why nothing usable was read
    expired: bool = False


def download_zip(
    url: str, api: GitHubApi, cap: int = ZIP_CAP
) -> tuple[bytes | None, str | None, bool]:
    """(zip bytes, problem, expired). The API answers with a redirect to a short-lived URL
    on another host; ``api`` follows it, and gives the token to the API's origin alone. A
    spent budget or a rate limit past the cap is raised (it ends the whole history); any
    other failure is this artifact's problem."""
    try:
        answer = api.request("GET", url, cap=cap)
    except TooLarge:
        return None, f"artifact zip over the cap of {cap} bytes", False
    except (Unreachable, Malformed) as exc:
        return None, f"artifact download failed ({exc})", False
    if answer.status == 410:
        return None, "artifact expired (410)", True
    if answer.status != 200:
        return None, f"artifact download answered HTTP {answer.status}", False
    return answer.body, None, False


def read_member(
    data: bytes, members: tuple[str, ...] = MEMBERS, cap: int = MEMBER_CAP
) -> ArtifactRead:
    """The first of ``members`` (by file name, in any folder) the zip holds, at most ``cap``
    bytes of it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ArtifactRead(note="the artifact is not a zip file")
    except _UNREADABLE as exc:
        return ArtifactRead(note=f"artifact zip unreadable: {_detail(exc)}")
    refused = []
    with archive:
        for wanted in members:
            for info in archive.infolist():
                name = info.filename
                parts = name.replace("\\", "/").split("/")
                if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                    refused.append(one_line(name, 60))
                    continue
                if parts[-1] != wanted or info.is_dir():
                    continue
                return _member(archive, info, wanted, cap)
    note = f"no {' or '.join(members)} in the artifact"
    if refused:
        note += f"; refused unsafe member names: {', '.join(refused[:3])}"
    return ArtifactRead(note=note)


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, wanted: str, cap: int) -> ArtifactRead:
    """One member's text, or why it cannot be read."""
    shown = one_line(info.filename, 60)
    if info.flag_bits & _ENCRYPTED:
        return ArtifactRead(note=f"artifact zip unreadable: encrypted member {shown}")
    try:
        with archive.open(info) as member:
            body = member.read(cap + 1)  # the header's size may lie
    except NotImplementedError:
        return ArtifactRead(
            note=f"artifact zip unreadable: compression method {info.compress_type} of "
            f"{shown} is not supported"
        )
    except _UNREADABLE as exc:
        return ArtifactRead(
            note=f"artifact zip unreadable: corrupt member {shown} ({_detail(exc)})"
        )
    if len(body) > cap:
        return ArtifactRead(note=f"{shown} is over the cap of {cap} bytes")
    return ArtifactRead(wanted, body.decode("utf-8", errors="replace"))


def _detail(exc: BaseException) -> str:
    return one_line(str(exc) or type(exc).__name__, 100)
