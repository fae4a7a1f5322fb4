"""Downloads the loghub-2.0 full datasets from Zenodo, resumably, with checksums.

Some archives are gigabytes; a dropped connection must not mean starting again. Each file is
written to `NAME.part`, resumed with an HTTP Range request, verified against the MD5 Zenodo
publishes, and only then renamed into place.
"""

from __future__ import annotations

import hashlib
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from tqdm import tqdm

from logcore.errors import EndpointError, LogchatError

ZENODO_API = "https://zenodo.org/api/records"
LOGHUB2_RECORD = "8275861"
BLOCK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    name: str
    url: str
    size: int | None
    md5: str | None


def list_record(record: str, api: str, client: httpx.Client) -> list[RemoteFile]:
    """The files of a Zenodo record, from its REST API (old and new payload shapes)."""
    url = f"{api.rstrip('/')}/{record}"
    try:
        response = client.get(url)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise EndpointError(f"cannot read Zenodo record {record} at {url} ({exc}): check the network") from None
    files = []
    for entry in response.json().get("files", []):
        links = entry.get("links", {})
        checksum = entry.get("checksum") or ""
        files.append(RemoteFile(
            name=entry.get("key") or entry["filename"],
            url=links.get("content") or links.get("self") or links["download"],
            size=entry.get("size") or entry.get("filesize"),
            md5=checksum.split(":", 1)[1] if checksum.startswith("md5:") else None,
        ))
    if not files:
        raise EndpointError(f"Zenodo record {record} lists no files: check the record id")
    return files


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def download(
    remote: RemoteFile,
    dest: Path,
    *,
    client: httpx.Client,
    attempts: int = 5,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """`dest` complete and verified; resumes `dest.part` left by an earlier, interrupted run."""
    if dest.exists() and (remote.md5 is None or md5_of(dest) == remote.md5):
        return dest
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, attempts + 1):
        try:
            _transfer(remote, part, client, progress)
            break
        except httpx.HTTPError as exc:
            if attempt == attempts:
                raise EndpointError(
                    f"download of {remote.name} failed {attempts} times ({exc}): rerun to resume"
                ) from None
            sleep(min(60.0, 2.0 ** attempt))
    if remote.md5 is not None and md5_of(part) != remote.md5:
        part.unlink()
        raise LogchatError(
            f"{remote.name} failed its MD5 check (corrupt download, removed): rerun to fetch it again"
        )
    part.replace(dest)
    return dest


def _transfer(remote: RemoteFile, part: Path, client: httpx.Client, progress: bool) -> None:
    have = part.stat().st_size if part.exists() else 0
    if remote.size is not None and have == remote.size:
        return
    headers = {"Range": f"bytes={have}-"} if have else {}
    with client.stream("GET", remote.url, headers=headers) as response:
        if response.status_code == 416:  # our part is already the whole file (or larger)
            part.unlink()
            raise httpx.HTTPError("the server refused the resume range; starting over")
        response.raise_for_status()
        resumed = response.status_code == 206
        if not resumed:
            have = 0  # the server ignored Range: it is sending the whole file again
        with part.open("ab" if resumed else "wb") as f, tqdm(
            total=remote.size, initial=have, unit="B", unit_scale=True, desc=remote.name,
            file=sys.stderr, disable=not progress,
        ) as bar:
            for block in response.iter_bytes():  # unbuffered: a drop loses no received byte
                f.write(block)
                bar.update(len(block))


def extract(archive: Path, into: Path) -> Path:
    """Unpacks a zip once; a marker file records that it finished."""
    marker = into / f".{archive.name}.extracted"
    if marker.exists():
        return into
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    marker.write_text(archive.name)
    return into


def fetch(
    dest: Path,
    *,
    record: str = LOGHUB2_RECORD,
    only: list[str] | None = None,
    api: str = ZENODO_API,
    progress: bool = True,
    unpack: bool = True,
) -> list[Path]:
    with httpx.Client(timeout=httpx.Timeout(60, read=300), follow_redirects=True) as client:
        files = list_record(record, api, client)
        if only:
            wanted = {n.lower() for n in only}
            files = [f for f in files if f.name.lower().rsplit(".", 1)[0] in wanted or f.name.lower() in wanted]
            if not files:
                raise LogchatError(f"none of {', '.join(only)} is in record {record}: check --only")
        done = []
        for remote in files:
            path = download(remote, dest / remote.name, client=client, progress=progress)
            if unpack and path.suffix == ".zip":
                extract(path, dest)
            done.append(path)
    return done
