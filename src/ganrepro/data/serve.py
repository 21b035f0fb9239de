"""A read-only file server on the loopback interface, for rehearsing downloads offline.

``serve(folder)`` serves the files under ``folder`` at ``http://127.0.0.1:{port}/{path}``: GET
and HEAD, single byte ranges (``Range: bytes=a-``, ``bytes=a-b``, ``bytes=-n``: 206 with
Content-Range; 416 past the end), 404 for anything that is not a regular file inside ``folder``
(no directory listings; a URL with ``..`` in it is refused; links that the folder holds are
followed), and no log line per request. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ganrepro.data.download import DownloadError

CHUNK = 1 << 20

# called as fault(path, range_header) for every GET, path relative to the folder
# ("mnist/t10k-labels-idx1-ubyte.gz"): how many bytes of the body to send before dropping the
# connection, or None to send it all (tests use it to count requests and cut downloads short)
Fault = Callable[[str, str | None], int | None]


class ServeError(DownloadError):
    """The server cannot start (a missing folder, a port in use): one line saying why."""


class _Unsatisfiable(Exception):
    pass


def _ranged(header: str | None, size: int) -> tuple[int, int] | None:
    """The first and last byte a Range header asks for; None for the whole file (no header, or
    one this server does not honour, such as several ranges). Raises ``_Unsatisfiable``."""
    m = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not m or m.group(1) == m.group(2) == "":
        return None
    first, last = m.groups()
    if first == "":  # the last n bytes
        if int(last) == 0 or size == 0:
            raise _Unsatisfiable
        return max(size - int(last), 0), size - 1
    if int(first) >= size or (last and int(last) < int(first)):
        raise _Unsatisfiable
    return int(first), min(int(last), size - 1) if last else size - 1


def _handler(root: Path, fault: Fault | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ganrepro-serve"
        sys_version = ""

        def log_message(self, format, *args):
            pass

        def _target(self, name: str) -> Path | None:
            """The file ``name`` (relative to the folder), if it is a file in the folder. No
            path climbs out of it; links in it are followed (whoever made the folder put them)."""
            parts = name.split("/")
            if not name or any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
                return None
            target = root.joinpath(*parts)
            return target if target.is_file() else None

        def do_HEAD(self):
            self._respond(body=False)

        def do_GET(self):
            self._respond(body=True)

        def _respond(self, body: bool) -> None:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            name = "/".join(p for p in path.split("/") if p)
            header = self.headers.get("Range")
            cut = fault(name, header) if fault and body else None
            target = self._target(name)
            if target is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            try:
                fh = open(target, "rb")
            except OSError:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            with fh:
                size = os.fstat(fh.fileno()).st_size
                try:
                    span = _ranged(header, size)
                except _Unsatisfiable:
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                first, last = span or (0, size - 1)
                length = last - first + 1
                self.send_response(HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK)
                if span:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(length))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if not body:
                    return
                fh.seek(first)
                left = length if cut is None else min(length, cut)
                with contextlib.suppress(ConnectionError):
                    while left > 0 and (chunk := fh.read(min(CHUNK, left))):
                        self.wfile.write(chunk)
                        left -= len(chunk)
                if cut is not None:
                    self.close_connection = True

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a client that hangs up is no error of the server's; anything else is reported once
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(folder: str | os.PathLike, port: int = 0, fault: Fault | None = None) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 for the duration of the block; yield its base URL,
    ``http://127.0.0.1:{port}/`` (port 0: a free one). ``fault``: see ``Fault`` (tests)."""
    root = Path(folder)
    if not root.is_dir():
        raise ServeError(f"{root}: no such folder to serve")
    root = root.resolve()
    try:
        httpd = _Server(("127.0.0.1", port), _handler(root, fault))
    except OSError as exc:
        raise ServeError(f"cannot serve on 127.0.0.1:{port} ({exc.strerror})") from None
    thread = threading.Thread(
        target=httpd.serve_forever, args=(0.05,), name="ganrepro-serve", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def main_serve(folder: str | os.PathLike, port: int = 0) -> None:
    """Serve ``folder`` until interrupted (Ctrl-C), printing its URL once on stdout."""
    # Ctrl-C stops it even when it was started with SIGINT ignored, as a script's background
    # job is (Python then installs no handler of its own)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with serve(folder, port) as url:
        print(url, flush=True)
        print(f"serving {Path(folder).resolve()} on 127.0.0.1 only; Ctrl-C stops", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
