"""The page's building blocks: escaping, numbers with their spread, links relative to the page,
verdicts as CSS classes, embedded thumbnails and CSV tables."""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
from pathlib import Path

import pandas as pd

from ganrepro import layout
from ganrepro.layout import Files
from ganrepro.outputs.tables import display_rows
from ganrepro.report.results import present


def esc(x) -> str:
    return html.escape(str(x))


def num(values: list[float]) -> str:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    if not vals:
        return '<span class="missing">—</span>'
    m = sum(vals) / len(vals)
    if len(vals) == 1:
        return f"{m:.4g}"
    sd = (sum((v - m) ** 2 for v in vals) / (len(vals) - 1)) ** 0.5
    return f"{m:.4g} ± {sd:.2g}"


THUMB = 560  # widest embedded image, in pixels (the full-size file is a click away)


def href(rel: str, tree: layout.Tree) -> str:
    """``rel`` (a path under the tree) as seen from the tree's report page."""
    return esc(os.path.relpath(rel, os.path.dirname(tree.report)))


def css(verdict: str) -> str:
    """A verdict as a CSS class ("rehearsal: not comparable" -> rehearsal-not-comparable)."""
    return re.sub(r"[^a-z]+", "-", verdict.lower()).strip("-")


def thumbnail(path: Path) -> str:
    """The image at ``path`` as a data URI, at most THUMB pixels wide: a PNG, or a JPEG
    (quality 85) where that is under half the size (photos and sample grids, not plots)."""
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        if img.width > THUMB:
            img = img.resize((THUMB, round(img.height * THUMB / img.width)), Image.LANCZOS)
        png, jpeg = io.BytesIO(), io.BytesIO()
        img.save(png, "PNG", optimize=True)
        rgba = img.convert("RGBA")  # transparent parts on white, as the page shows them
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
        flat.convert("RGB").save(jpeg, "JPEG", quality=85)
    kind, data = ("jpeg", jpeg) if jpeg.tell() < png.tell() / 2 else ("png", png)
    return f"data:image/{kind};base64," + base64.b64encode(data.getvalue()).decode()


def image(files: Files, rel: str, caption: str) -> str:
    path = present(files, rel)
    if path is None:
        return f'<p class="missing">figure {esc(Path(rel).name)} missing</p>'
    return (
        f'<figure><a href="{href(rel, files.tree)}"><img alt="{esc(path.stem)}" loading="lazy" '
        f'decoding="async" src="{thumbnail(path)}"></a>'
        f"<figcaption>{esc(caption)} (click for full size)</figcaption></figure>"
    )


def table_html(files: Files, rel: str) -> str:
    path = present(files, rel)
    if path is None:
        return f'<p class="missing">table {esc(Path(rel).name)} missing</p>'
    cols, rows = display_rows(pd.read_csv(path))
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="diverged">{esc(c)}</td>' if c == "diverged" else f"<td>{esc(c)}</td>"
            for c in cells
        )
        + "</tr>"
        for cells in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"
