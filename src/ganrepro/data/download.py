"""Download archives with md5 verification, resumable retries and an atomic final rename.

A download streams into ``{file}.part``; a dropped connection is retried (resuming with an HTTP
Range request when the server allows it); only a file whose md5 matches is renamed to its final
name. A checksum mismatch deletes the partial file, so nothing corrupt is ever left behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from ganrepro.data.registry import RemoteFile

CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be obtained; the message says what to fetch by hand and where to put it."""


class ChecksumError(DownloadError):
    pass


def md5sum(path: str | os.PathLike) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _fetch_once(url: str, part: Path, timeout: float) -> None:
    """Append the rest of ``url`` to ``part``; raise if the connection ends early."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with urllib.request.urlopen(request, timeout=timeout) as resp:
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


def download(
    remote: RemoteFile,
    dest_dir: str | os.PathLike,
    retries: int = 4,
    timeout: float = 60.0,
    backoff: float = 0.5,
) -> Path:
    """Return ``dest_dir/remote.filename`` with a verified md5, downloading it if needed.

    A file already there with the right md5 (for example one copied there by hand) is used as is.
    """
    dest_dir = Path(dest_dir)
    dest = dest_dir / remote.filename
    if dest.exists():
        if md5sum(dest) == remote.md5:
            return dest
        raise ChecksumError(
            f"{dest} exists but its md5 is {md5sum(dest)}, expected {remote.md5}: "
            f"delete it, or replace it with a good copy of {remote.url}"
        )
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
            hopeless = isinstance(exc, urllib.error.HTTPError) and exc.code in (403, 404, 410)
            if hopeless or attempt == retries - 1:
                part.unlink(missing_ok=True)
                raise DownloadError(
                    f"cannot download {remote.url} ({getattr(exc, 'reason', exc)}). Download it "
                    f"on a machine with internet access and put it at {dest} "
                    f"(md5 {remote.md5}), then run this again."
                ) from None
            time.sleep(backoff * 2**attempt)
    digest = md5sum(part)
    if digest != remote.md5:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"{remote.url}: md5 {digest} does not match the expected {remote.md5}; "
            "the corrupt download was removed"
        )
    os.replace(part, dest)
    return dest
