"""The loopback file server: ranges, 404s, no listings, no way out of its folder, no noise."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import urllib.parse

import pytest

from ganrepro.data.serve import ServeError, serve

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "site"
    (folder / "mnist").mkdir(parents=True)
    (folder / "mnist" / "a.bin").write_bytes(DATA)
    (folder / "empty.bin").write_bytes(b"")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "link.bin").symlink_to(folder / "mnist" / "a.bin")
    with serve(folder) as url:
        yield url, tmp_path


def _get(url: str, path: str, headers=None, method="GET"):
    """A raw request: the path goes out as written (urllib would normalise ``..`` away)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_whole_file_and_every_range_form(served):
    url, _ = served
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    status, headers, body = _get(url, "/mnist/a.bin")
    assert (status, body, headers["Content-Length"]) == (200, DATA, str(len(DATA)))
    assert headers["Accept-Ranges"] == "bytes"
    for header, first, last in (
        ("bytes=100-", 100, len(DATA) - 1),
        ("bytes=100-199", 100, 199),
        ("bytes=100-999999", 100, len(DATA) - 1),
        ("bytes=-10", len(DATA) - 10, len(DATA) - 1),
    ):
        status, headers, body = _get(url, "/mnist/a.bin", {"Range": header})
        assert status == 206, header
        assert body == DATA[first : last + 1]
        assert headers["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
    status, headers, _ = _get(url, "/mnist/a.bin", {"Range": f"bytes={len(DATA)}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(DATA)}"
    status, _, body = _get(url, "/mnist/a.bin", {"Range": "bytes=0-1,5-6"})  # several: all
    assert (status, body) == (200, DATA)
    status, headers, body = _get(url, "/mnist/a.bin", method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", str(len(DATA)))
    assert _get(url, "/empty.bin")[::2] == (200, b"")
    assert _get(url, "/link.bin")[::2] == (200, DATA)  # a link the folder holds


@pytest.mark.parametrize(
    "path",
    [
        "/missing.bin",
        "/mnist",
        "/mnist/",
        "/",
        "/../secret.txt",
        "/mnist/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/mnist/%2E%2E/%2e%2e/secret.txt",
        "//etc/passwd",
        "/..%2fsecret.txt",
    ],
)
def test_404_for_anything_but_a_file_in_the_folder(served, path):
    url, _ = served
    status, _, body = _get(url, path)
    assert status == 404
    assert b"outside" not in body and b"a.bin" not in body  # no content, no listing


def test_quiet_and_on_loopback_only(tmp_path):
    (tmp_path / "f").write_bytes(b"x")
    code = (
        "import urllib.request\n"
        "from ganrepro.data.serve import serve\n"
        f"with serve({str(tmp_path)!r}) as url:\n"
        "    for path in ('f', 'f', 'nothing'):\n"
        "        try: urllib.request.urlopen(url + path).read()\n"
        "        except Exception: pass\n"
        "    print(url)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "" and res.stdout.count("\n") == 1  # no line per request
    with serve(tmp_path) as url:
        port = urllib.parse.urlsplit(url).port
        assert _get(url, "/f")[0] == 200
        if (addr := _other_address()) is not None:  # not reachable from another interface
            with pytest.raises(OSError):
                socket.create_connection((addr, port), timeout=2).close()
    with pytest.raises(OSError):  # stopped on exit
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _other_address() -> str | None:
    """One of this machine's non-loopback addresses, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def test_a_missing_folder_or_a_busy_port_is_one_line(tmp_path):
    with pytest.raises(ServeError, match=r"no such folder to serve$"):
        with serve(tmp_path / "nothing"):
            pass
    with serve(tmp_path) as url, pytest.raises(ServeError, match="cannot serve on 127.0.0.1:"):
        with serve(tmp_path, port=urllib.parse.urlsplit(url).port):
            pass


def test_main_serve_prints_the_url_once_and_stops_on_ctrl_c(tmp_path):
    import signal
    import time

    (tmp_path / "f").write_bytes(b"hello")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from ganrepro.data.serve import main_serve; main_serve({str(tmp_path)!r})",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert _get(url, "/f")[::2] == (200, b"hello")
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0 and out == ""
    assert err.strip().endswith("Ctrl-C stops")
