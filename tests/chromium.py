"""Render a page in Debian's headless Chromium: which images decoded, what the console said,
and a screenshot (scripts/test.sh installs the package; CI fails without it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# a probe added to a copy of the page only: how many images decoded with a real size, once
# the page has loaded (the copy loads its images eagerly: lazy ones wait for a scroll)
PROBE = (
    "<script>window.addEventListener('load',()=>{const i=[...document.images];"
    "document.title='loaded '+i.filter(x=>x.complete&&x.naturalWidth>0).length+'/'"
    "+i.length;});</script>"
)


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/test.sh installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it)")
    return path


@dataclass
class Render:
    loaded: int | None  # images decoded with a real size (None: the probe never reported)
    images: int | None
    console: list[str]  # every message the page's console printed (errors and warnings)
    stderr: str


def render(page: Path, tmp: Path, shot: Path | None = None, size=(1300, 2400)) -> Render:
    """Load a probed copy of ``page`` (beside it, so its relative links resolve) and, with
    ``shot``, screenshot the page itself."""
    base = [chromium(), *FLAGS, f"--user-data-dir={tmp / 'chromium-profile'}"]
    probed = page.with_name(f".probed-{page.name}")
    text = page.read_text().replace('loading="lazy"', 'loading="eager"')
    probed.write_text(text.replace("</body>", PROBE + "</body>"))
    try:
        res = subprocess.run(
            [
                *base,
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=15000",
                "--dump-dom",
                probed.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        probed.unlink()
    found = re.search(r"<title>loaded (\d+)/(\d+)</title>", res.stdout)
    console = [line for line in res.stderr.splitlines() if ":CONSOLE" in line]
    if shot is not None:
        subprocess.run(
            [*base, f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", page.as_uri()],
            capture_output=True,
            timeout=180,
            check=True,
        )
    return Render(
        int(found[1]) if found else None,
        int(found[2]) if found else None,
        console,
        res.stderr[-3000:],
    )


def relative_links(page: str) -> list[str]:
    """Every href/src of the page that is a relative path (not an anchor or a data URI)."""
    return [
        link
        for link in re.findall(r'(?:href|src)="([^"#][^"]*)"', page)
        if not link.startswith(("data:", "#"))
    ]
