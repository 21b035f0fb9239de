"""Download archives with md5 verification, resumable retries and an atomic final rename.

A download streams into ``{file}.part``; a dropped connection is retried (resuming with an HTTP
Range request when the server allows it); only a file whose md5 matches is renamed to its final
name. A checksum mismatch deletes the partial file, so nothing corrupt is ever left behind.

A mirror replaces where the archives come from: a URL prefix (each file is fetched from
``{mirror}/{dataset}/{filename}``) or a local folder of the same layout (copied, no network).
A manifest (``manifest.json``, as ``ganrepro.data.synthetic`` writes one next to its archives)
replaces the md5s they are checked against: ``{"kind", "files": {"{dataset}/{filename}":
{"md5", "bytes"}}}``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from ganrepro.data.registry import RemoteFile

CHUNK = 1 << 20


# the mirror the workflow passes to `ganrepro data prepare` (`--config mirror=...`)
MIRROR_ENV = "GANREPRO_MIRROR"


class DownloadError(RuntimeError):
    """A file could not be obtained; the message says what to fetch by hand and where to put it."""


class ChecksumError(DownloadError):
    pass


class DamagedArchive(DownloadError):
    """An archive with the expected md5 whose content cannot be decoded (truncated, foreign)."""


def md5sum(path: str | os.PathLike) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _opener(url: str) -> urllib.request.OpenerDirector:
    """urllib's opener; for this machine's own server (the rehearsal's) one without proxies:
    a cluster's $http_proxy would otherwise receive the loopback request."""
    if urllib.parse.urlsplit(url).hostname in LOOPBACK:
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _fetch_once(url: str, part: Path, timeout: float) -> None:
    """Append the rest of ``url`` to ``part``; raise if the connection ends early."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with _opener(url).open(request, timeout=timeout) as resp:
        if have and resp.status != 206:  # the server ignored the range: start over
            have = 0
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        mode = "ab" if have else "wb"
        with (
            open(part, mode) as fh,
            tqdm(
                total=total,
                initial=have,
                unit="B",
                unit_scale=True,
                desc=part.name[:-5],
                disable=not sys.stderr.isatty(),
                leave=False,
            ) as bar,
        ):
            while chunk := resp.read(CHUNK):
                fh.write(chunk)
                bar.update(len(chunk))
    got = part.stat().st_size
    if total is not None and got < total:
        raise http.client.IncompleteRead(b"", total - got)


def _expected(remote: RemoteFile, md5_from: str | None) -> str:
    return remote.md5 + (f" (from {md5_from})" if md5_from else "")


def _existing(dest: Path, remote: RemoteFile, source: str, md5_from: str | None) -> Path:
    """``dest``, already there: used as is when its md5 matches, reported (and kept) if not."""
    digest = md5sum(dest)
    if digest == remote.md5:
        return dest
    raise ChecksumError(
        f"{dest} exists but its md5 is {digest}, expected {_expected(remote, md5_from)}: "
        f"delete it, or replace it with a good copy of {source}"
    )


def download(
    remote: RemoteFile,
    dest_dir: str | os.PathLike,
    retries: int = 4,
    timeout: float = 60.0,
    backoff: float = 0.5,
    md5_from: str | None = None,
) -> Path:
    """Return ``dest_dir/remote.filename`` with a verified md5, downloading it if needed.

    A file already there with the right md5 (for example one copied there by hand) is used as is.
    ``md5_from`` says where ``remote.md5`` comes from ("the manifest …"), for error messages.
    """
    dest_dir = Path(dest_dir)
    dest = dest_dir / remote.filename
    if dest.exists():
        return _existing(dest, remote, remote.url, md5_from)
    dest_dir.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    for attempt in range(retries):
        try:
            _fetch_once(remote.url, part, timeout)
            break
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            ConnectionError,
            TimeoutError,
        ) as exc:
            code = exc.code if isinstance(exc, urllib.error.HTTPError) else None
            if code == 416 and attempt < retries - 1:  # a stale .part as long as the file
                part.unlink(missing_ok=True)
                continue
            if code in (403, 404, 410) or attempt == retries - 1:
                part.unlink(missing_ok=True)
                raise DownloadError(
                    f"cannot download {remote.url} ({getattr(exc, 'reason', exc)}). Download it "
                    f"on a machine with internet access and put it at {dest} "
                    f"(md5 {_expected(remote, md5_from)}), then run this again."
                ) from None
            time.sleep(backoff * 2**attempt)
    digest = md5sum(part)
    if digest != remote.md5:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"{remote.url}: md5 {digest} does not match the expected "
            f"{_expected(remote, md5_from)}; the corrupt download was removed"
        )
    os.replace(part, dest)
    return dest


def copy_in(
    source: str | os.PathLike,
    remote: RemoteFile,
    dest_dir: str | os.PathLike,
    md5_from: str | None = None,
) -> Path:
    """``download`` from a local mirror: copy ``source`` to ``dest_dir/remote.filename`` (through
    a ``.part`` file, renamed once its md5 matches); a file already there is checked, not copied."""
    source, dest_dir = Path(source), Path(dest_dir)
    dest = dest_dir / remote.filename
    if dest.exists():
        return _existing(dest, remote, str(source), md5_from)
    if not source.is_file():
        raise DownloadError(
            f"{source} not found in the mirror folder: put {remote.filename} "
            f"(md5 {_expected(remote, md5_from)}) there, or at {dest}, then run this again"
        )
    dest_dir.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        shutil.copyfile(source, part)
        digest = md5sum(part)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if digest != remote.md5:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"{source}: md5 {digest} does not match the expected "
            f"{_expected(remote, md5_from)}; nothing was copied: replace it in the mirror with a "
            "good copy"
        )
    os.replace(part, dest)
    return dest


def is_url(mirror: str | os.PathLike) -> bool:
    return isinstance(mirror, str) and re.match(r"https?://", mirror) is not None


def mirrored(remote: RemoteFile, mirror: str, dataset: str) -> RemoteFile:
    """``remote`` fetched from the mirror URL ``{mirror}/{dataset}/{filename}`` instead."""
    path = f"{urllib.parse.quote(dataset)}/{urllib.parse.quote(remote.filename)}"
    return replace(remote, url=f"{mirror.rstrip('/')}/{path}")


def obtain(
    remote: RemoteFile,
    dest_dir: str | os.PathLike,
    dataset: str,
    mirror: str | os.PathLike | None = None,
    md5_from: str | None = None,
    **kwargs,
) -> Path:
    """``remote`` verified in ``dest_dir``: downloaded from its URL, from a mirror URL, or copied
    from a mirror folder (``{mirror}/{dataset}/{filename}``). ``kwargs`` go to ``download``."""
    if mirror is None:
        return download(remote, dest_dir, md5_from=md5_from, **kwargs)
    if is_url(mirror):
        return download(
            mirrored(remote, str(mirror), dataset), dest_dir, md5_from=md5_from, **kwargs
        )
    return copy_in(Path(mirror) / dataset / remote.filename, remote, dest_dir, md5_from)


@dataclass(frozen=True)
class Manifest:
    """The md5 of each archive, by ``"{dataset}/{filename}"``, and what the archives are."""

    path: Path
    kind: str
    description: str
    files: dict[str, dict]

    @property
    def rehearsal(self) -> bool:
        return self.kind == "rehearsal"

    def md5(self, dataset: str, filename: str) -> str:
        entry = self.files.get(f"{dataset}/{filename}")
        if entry is None:
            raise DownloadError(
                f"the manifest {self.path} has no md5 for {dataset}/{filename}: use the manifest "
                "written with the archives, or add the file to it"
            )
        return entry["md5"]


def load_manifest(path: str | os.PathLike) -> Manifest:
    """Read and check a manifest: one ``DownloadError`` line naming it if it is not one."""
    path = Path(path)
    fix = "use the manifest.json written with the archives"
    try:
        obj = json.loads(path.read_text())
    except FileNotFoundError:
        raise DownloadError(f"manifest {path} not found: {fix}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DownloadError(
            f"{path}: not a readable manifest ({type(exc).__name__}); {fix}"
        ) from None
    files = obj.get("files") if isinstance(obj, dict) else None
    if not isinstance(files, dict) or not isinstance(obj.get("kind"), str):
        raise DownloadError(f'{path}: not a manifest (no "kind" and "files"); {fix}')
    for key, entry in files.items():
        md5 = entry.get("md5") if isinstance(entry, dict) else None
        if not isinstance(md5, str) or not re.fullmatch(r"[0-9a-f]{32}", md5):
            raise DownloadError(f"{path}: {key} has no valid md5; {fix}")
    return Manifest(path, obj["kind"], str(obj.get("description", "")), files)
