"""Every figure and table reads through its declared inputs only: made with exactly
``catalog.reads(...)`` it raises no UndeclaredInput (``catalog.NEEDS`` is complete), and
without any one of those files it does (each is needed)."""

from __future__ import annotations

import re

import pytest

from ganrepro import layout
from ganrepro.config import load_params
from ganrepro.layout import Files, UndeclaredInput
from ganrepro.outputs import catalog
from ganrepro.outputs.figures import draw
from ganrepro.outputs.tables import tabulate
from ganrepro.plots import plt
from tests.results_tree import write_tree

OUTPUTS = [
    (kind, source, name)
    for kind, book in (("figure", catalog.FIGURES), ("table", catalog.TABLES))
    for source, items in book.items()
    for name in items
]


def _fewest_runs_per_kind() -> list[tuple[str, str, str]]:
    """One output of each kind: the one with the fewest runs."""
    best: dict[str, tuple[str, str, str]] = {}
    for kind, source, name in OUTPUTS:
        out = catalog.get(kind, source, name)
        if out.kind not in best or len(out.runs) < len(catalog.get(*best[out.kind]).runs):
            best[out.kind] = (kind, source, name)
    return list(best.values())


@pytest.fixture(scope="module")
def small(root):
    params = load_params(root / "params.yaml", scale="small")
    assert params.seeds > 1  # so that reading only seed 0 of a "*" need is caught
    return params


@pytest.fixture(scope="module")
def tree(tmp_path_factory, small):
    folder = tmp_path_factory.mktemp("tree")
    write_tree(folder, small)
    return folder


def make(kind: str, source: str, name: str, params, files: Files, dest) -> None:
    out = catalog.get(kind, source, name)
    try:
        if kind == "figure":
            draw(out, source, params, files, dest / f"{name}.png")
        else:
            tabulate(out, source, params, files, dest / f"{name}.csv")
    finally:
        plt.close("all")


def test_every_kind_is_covered():
    kinds = {catalog.get(*o).kind for o in OUTPUTS}
    assert kinds == set(catalog.NEEDS)
    assert {catalog.get(*o).kind for o in _fewest_runs_per_kind()} == kinds


@pytest.mark.parametrize(("kind", "source", "name"), OUTPUTS, ids=["/".join(o) for o in OUTPUTS])
def test_each_output_is_made_from_its_declared_inputs(kind, source, name, small, tree, tmp_path):
    declared = catalog.reads(catalog.get(kind, source, name), source, small)
    make(kind, source, name, small, Files(layout.of(small), declared, root=tree), tmp_path)
    suffix = ".png" if kind == "figure" else ".csv"
    assert (tmp_path / f"{name}{suffix}").stat().st_size > 0


@pytest.mark.parametrize(
    ("kind", "source", "name"),
    _fewest_runs_per_kind(),
    ids=[catalog.get(*o).kind for o in _fewest_runs_per_kind()],
)
def test_each_declared_input_is_read(kind, source, name, small, tree, tmp_path):
    declared = catalog.reads(catalog.get(kind, source, name), source, small)
    for path in declared:
        files = Files(layout.of(small), [p for p in declared if p != path], root=tree)
        with pytest.raises(UndeclaredInput, match=re.escape(path)):
            make(kind, source, name, small, files, tmp_path)
