"""Read one member of a run's artifact zip, safely: capped download, capped member, no
absolute or '..' member names, no trust in the sizes the zip claims."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import requests

from golive_action.observe.http import HttpLimits, new_session
from golive_action.observe.neterrors import classify

ZIP_CAP = 10 * 1024 * 1024
MEMBER_CAP = 1024 * 1024
MEMBERS = ("canary_resp.json", "golive-report.json")


@dataclass(frozen=True)
class ArtifactRead:
    member: str | None = None
    text: str | None = None
    note: str | None = None  # why nothing usable was read
    expired: bool = False


def download_zip(url: str, token: str, timeout_s: float) -> tuple[bytes | None, str | None, bool]:
    """(zip bytes, problem, expired). The API answers with a redirect to a short-lived URL
    on another host: the token is dropped on the way there, and the probe's session never
    adds ``~/.netrc`` credentials (a plain requests call would, in place of the token to
    the API and to the storage host after the redirect)."""
    try:
        with (
            new_session(HttpLimits(timeout_s=timeout_s)) as session,
            session.get(
                url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=(timeout_s, timeout_s),
                stream=True,
                allow_redirects=True,
            ) as response,
        ):
            if response.status_code == 410:
                return None, "artifact expired (410)", True
            if response.status_code != 200:
                return None, f"artifact download answered HTTP {response.status_code}", False
            data = bytearray()
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > ZIP_CAP:
                    return None, f"artifact zip over the cap of {ZIP_CAP} bytes", False
            return bytes(data), None, False
    except requests.RequestException as exc:
        known = classify(exc, timeout_s)
        why = known.reason if known is not None else type(exc).__name__
        return None, f"artifact download failed ({why})", False


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
