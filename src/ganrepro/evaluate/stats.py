"""Reference statistics of real data, computed once per dataset by their own command into
``results/{tree}/stats/{dataset}.npz`` and only read afterwards (never a hidden cache).

For each extractor and split: the FID statistics (mu, sigma) over up to ``n_reference`` images,
those images' features (for KID and precision/recall), and the real data's own IS (the ceiling
a generator is measured against). Per extractor also the real-data floor: the FID that real
images score against each split's statistics with the sample counts of the final evaluation
(what a perfect generator would score), the other split's images standing in for samples:
``floor["train"]``: up to ``n_samples`` test images against the train statistics (beside
``final``), ``floor["test"]``: up to ``n_samples_test`` train images against the test
statistics (beside ``final_test``); each a fixed seeded draw.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ganrepro.data.store import FIX as DATA_FIX
from ganrepro.data.store import load as load_dataset
from ganrepro.evaluate.extractors import Extractor
from ganrepro.evaluate.metrics import fid, inception_score, psd_sqrt, statistics, white_fraction
from ganrepro.io import atomic_open, reading


def compute_stats(
    data_path: str | Path,
    out: str | Path,
    extractors: list[Extractor],
    n_reference: int,
    is_splits: int,
    seed: int = 0,
    *,
    n_samples: int,
    n_samples_test: int,
    rehearsal: bool = False,
) -> dict:
    """``n_samples`` / ``n_samples_test``: the final evaluation's sample counts (the floor's);
    ``rehearsal``: made by the full-scale rehearsal (recorded: a real run refuses the file)."""
    arrays, meta = {}, {"extractors": {}, "splits": {}, "floor": {}}
    if rehearsal:
        meta["rehearsal"] = True
    with reading(data_path, "prepared dataset", DATA_FIX), np.load(data_path) as z:
        splits = [k[:-2] for k in z.files if k.endswith("_x")]
    real = {}
    for split in splits:
        data = load_dataset(data_path, (split,), rehearsal=rehearsal)
        real[split] = data.x
        images = torch.from_numpy(_draw(data.x, n_reference, seed))
        meta["splits"][split] = len(images)
        arrays[f"real/{split}/white"] = np.array(white_fraction(images))
        meta["dataset"] = data.name
        for ex in extractors:
            f = ex.features(images)
            st = statistics(f["feat"])
            is_mean, is_std = inception_score(f["logits"], is_splits)
            key = f"{ex.name}/{split}"
            arrays[f"{key}/mu"], arrays[f"{key}/sigma"] = st["mu"], st["sigma"]
            arrays[f"{key}/feat"] = f["feat"].numpy()
            arrays[f"{key}/is"] = np.array([is_mean, is_std])
            meta["extractors"][ex.name] = ex.protocol()
    # the floor: real images of one split against the other split's statistics
    pairs = {"train": ("test", n_samples), "test": ("train", n_samples_test)}
    for ex in extractors:
        meta["floor"][ex.name] = {}
        for ref, (other, n) in pairs.items():
            if ref not in real or other not in real:
                meta["floor"][ex.name][ref] = None
                continue
            images = torch.from_numpy(_draw(real[other], n, seed))
            key = f"{ex.name}/{ref}"
            meta["floor"][ex.name][ref] = {
                "fid": real_fid(
                    ex.features(images)["feat"], arrays[f"{key}/mu"], arrays[f"{key}/sigma"]
                ),
                "n": len(images),
            }
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    with atomic_open(out) as fh:
        np.savez(fh, **arrays)
    return meta


def _draw(x: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Up to ``n`` of the images ``x``, a seeded draw kept in their order."""
    rng = np.random.default_rng(seed)
    return x[np.sort(rng.permutation(len(x))[:n])]


def real_fid(feat: torch.Tensor, mu: np.ndarray, sigma: np.ndarray) -> float:
    """FID of real images' features against reference statistics (the metrics module's)."""
    return float(fid(statistics(feat), {"mu": mu, "sigma": sigma}))


class StatsMismatch(ValueError):
    pass


FIX = "delete it and rerun `ganrepro stats` (the workflow's stats rule)"


def load_stats(
    path: str | Path,
    extractor: Extractor,
    split: str,
    dataset: str | None = None,
    rehearsal: bool | None = None,
) -> dict:
    """One extractor's statistics of one split; refuses statistics made with other weights
    (or, given ``dataset``, of another dataset; given ``rehearsal``, the rehearsal's in a real
    run and the reverse)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: reference statistics missing (run `ganrepro stats`)")
    with reading(path, "statistics file", FIX, keep=(StatsMismatch,)), np.load(path) as z:
        meta = json.loads(str(z["meta"]))
        if dataset is not None and meta.get("dataset") != dataset:
            raise StatsMismatch(
                f"{path} holds statistics of {meta.get('dataset')!r}, not {dataset!r}: pass "
                f"{dataset}'s statistics"
            )
        made_by = bool(meta.get("rehearsal"))
        if rehearsal is not None and made_by != rehearsal:
            raise StatsMismatch(
                f"{path} holds the REHEARSAL's statistics (a few real images): a real run never "
                "reads them; pass the real statistics (results/full/stats/...)"
                if made_by
                else f"{path} holds a real run's statistics: the rehearsal never reads them; "
                "pass the rehearsal's own (results/rehearsal/stats/...)"
            )
        key = f"{extractor.name}/{split}"
        if f"{key}/mu" not in z:
            raise StatsMismatch(f"{path} has no {extractor.name} statistics of split {split!r}")
        recorded = meta["extractors"][extractor.name]["weights_sha256"]
        if recorded != extractor.protocol()["weights_sha256"]:
            raise StatsMismatch(
                f"{path} was computed with other {extractor.name} weights: "
                "recompute it with `ganrepro stats`"
            )
        floor = meta.get("floor", {}).get(extractor.name)
        if floor is None:
            raise StatsMismatch(
                f"{path} has no real-data floor of {extractor.name} (made by an older "
                "`ganrepro stats`): recompute it"
            )
        return {
            "floor": floor.get(split),  # against this split's statistics (train, test)
            "mu": z[f"{key}/mu"],
            "sigma": z[f"{key}/sigma"],
            "sqrt": psd_sqrt(z[f"{key}/sigma"]),  # FID's, once for every FID against it
            "feat": torch.from_numpy(z[f"{key}/feat"]),
            "is": tuple(z[f"{key}/is"]),
            "n": meta["splits"][split],
            "white": float(z[f"real/{split}/white"]),
        }
