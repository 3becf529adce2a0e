"""Read one member of a run's artifact zip, safely: capped download (through the GitHub
client: the token only to the API's origin, never to the storage an artifact lives on),
capped member, no absolute or '..' member names, no trust in the sizes the zip claims."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from golive_action.observe.github_client import (
    GitHubApi,
    Malformed,
    TooLarge,
    Unreachable,
)

ZIP_CAP = 10 * 1024 * 1024
MEMBER_CAP = 1024 * 1024
MEMBERS = ("canary_resp.json", "golive-report.json")


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
    refused = []
    with archive:
        for wanted in members:
            for info in archive.infolist():
                name = info.filename
                parts = name.replace("\\", "/").split("/")
                if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                    refused.append(name)
                    continue
                if parts[-1] != wanted or info.is_dir():
                    continue
                with archive.open(info) as member:
                    body = member.read(cap + 1)  # the header's size may lie
                if len(body) > cap:
                    return ArtifactRead(note=f"{name} is over the cap of {cap} bytes")
                return ArtifactRead(wanted, body.decode("utf-8", errors="replace"))
    note = f"no {' or '.join(members)} in the artifact"
    if refused:
        note += f"; refused unsafe member names: {', '.join(refused[:3])}"
    return ArtifactRead(note=note)
