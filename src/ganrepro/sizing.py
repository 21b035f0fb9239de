"""What each job asks the scheduler for: threads, GPUs, memory and wall time.

At the full scale a job's runtime and memory come from the latest full-scale rehearsal
(``results/rehearsal/resources.jsonl``, :mod:`ganrepro.measure`) measured on the device the job
will run on: the rehearsal runs every full-scale job with the same settings and small budgets,
and each of its jobs records what it cost and how that cost splits into a fixed part (start-up,
loading) and parts that grow with the budget. Scaled to the full budget:

- **train**: setup + seconds per generator iteration (CFG-GAN: per stage) x the schedule;
- **classifier**: setup + seconds per optimiser step x the schedule (epochs x batches);
- **evaluate**: setup + seconds per image extracted x the images the full evaluation scores
  (:func:`evaluation_calls`) + seconds per call (the metrics' maths at the rehearsal's sizes)
  x its calls + seconds per feature pair the metrics compare (KID, precision/recall:
  :func:`ganrepro.measure.pairwise`), timed by the rehearsal's evaluation on 2,000 x 2,000
  features of 2,048 dimensions and scaled by each extractor's, x its pairs;
- **stats**: setup + seconds per image x every split's reference images and the floor's
  (the real split sizes, :data:`REAL_SPLITS`) + seconds per call x its calls;
- **visuals**: as measured, the cherry-picking part scaled by the cherry pool.

runtime = that x ``resources.sizing.time_margin`` (at least ``min_runtime``, at most
``max_runtime``, the partition's limit); mem_mb = (the measured peak RSS + what the full budget
adds: the reference and generated features, precision/recall's distance blocks) x
``mem_margin``. Attempt *a* (Snakemake's ``attempt``: a retry) asks for *a* x the first
attempt's time (up to ``max_runtime``) and memory. Training resumes from its state, so a
training longer than one attempt may finish over several; one that cannot within the retries,
or an evaluation longer than the limit, is refused before anything is submitted
(:meth:`Sizing.problems`).

A measurement from another device (a CPU rehearsal for a GPU job, another GPU type than
``gpu_model``) or from other settings (the run, the classifier or the training's runtime knobs
changed since the rehearsal) is not used, and the job keeps ``params.yaml``'s ``resources``
values; :meth:`Sizing.summary` says which and why. Every other scale, and the rehearsal itself,
asks for ``params.yaml``'s values.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganrepro import layout
from ganrepro.config.types import Params
from ganrepro.measure import pairwise, settings_key

# the real datasets' split sizes (the rehearsal's archives have the labelled ones,
# ganrepro.data.synthetic.SIZES; its STL-10 unlabelled split holds 100 images)
REAL_SPLITS = {
    "mnist": {"train": 60_000, "test": 10_000},
    "cifar10": {"train": 50_000, "test": 10_000},
    "stl10": {"train": 5_000, "test": 8_000, "unlabeled": 100_000},
}
FEATURE_DIMS = {"inception": 2048, "classifier": 128}  # features per image (float64)
LOGITS = {"inception": 1008, "classifier": 10}
PRC_BATCH = 10_000  # precision/recall's rows per distance block (ganrepro.evaluate.metrics)
SIZED_RULES = ("train", "classifier", "stats", "evaluate", "visuals")


@dataclass(frozen=True)
class Ask:
    """What one job asks for on its first attempt, and where that comes from."""

    job: str
    rule: str
    threads: int
    gpu: int
    gpu_model: str
    mem_mb: int
    runtime: int  # minutes, first attempt
    max_runtime: int  # minutes: no attempt asks for more
    source: str  # "rehearsal" or "params.yaml"
    why: str  # the measurement it was sized from, or why params.yaml's values stand
    need_s: float | None = None  # estimated seconds of work x the margin (None: not sized)

    def runtime_at(self, attempt: int) -> int:
        """Minutes asked for on attempt ``attempt`` (1, 2, ...): a retry gets more time."""
        return min(self.runtime * max(1, attempt), max(self.max_runtime, self.runtime))

    def mem_at(self, attempt: int) -> int:
        """MB asked for on attempt ``attempt``: a retry (after running out, too) gets more."""
        return self.mem_mb * max(1, attempt)

    @property
    def cpus_per_gpu(self) -> int:
        return self.threads if self.gpu else 0

    def resources(self, attempt: int = 1) -> dict[str, Any]:
        """Snakemake's resources of the job on ``attempt``."""
        return {
            "gpu": self.gpu,
            "gpu_model": self.gpu_model,
            "cpus_per_gpu": self.cpus_per_gpu,
            "mem_mb": self.mem_at(attempt),
            "runtime": self.runtime_at(attempt),
        }


def target_device(device: str, gpu: int) -> str:
    """The kind of device a job runs on: "cuda" when it asks for a GPU and may use it."""
    return "cpu" if device == "cpu" or not gpu else "cuda"


def model_matches(gpu_model: str, device_name: str) -> bool:
    """Whether a GPU named ``device_name`` (torch's, e.g. "NVIDIA A100-SXM4-80GB") is of
    SLURM's type ``gpu_model`` ("a100", "a100_80gb"): each part of the type is a whole word of
    the name, so "a10" is not an A100 and "l4" not an L40S."""
    words = re.compile(r"[a-z]+\d*|\d+[a-z]*")
    have = set(words.findall(device_name.lower()))
    return all(part in have for part in words.findall(gpu_model.lower()))


def evaluation_calls(params: Params, run_id: str, best: bool = True) -> list[tuple[int, str]]:
    """(generated images, reference split) of each metrics call one extractor makes in
    ``run_id``'s evaluation (ganrepro.evaluate.run): the curve at step 0 and each periodic
    checkpoint, the final checkpoint's draws, its test split (when the run did not train on
    it) and, with ``best`` (an upper bound: not when the best checkpoint is the final one), the
    best checkpoint's train and test scores."""
    ev, run = params.evaluation, params.run(run_id)
    test = "test" not in run.splits
    calls = [(ev.n_samples_curve, "train")] * (run.eval.checkpoints + 1)
    calls += [(ev.n_samples, "train")] * ev.draws + [(ev.n_samples_test, "test")] * test
    if best:
        calls += [(ev.n_samples, "train")] + [(ev.n_samples_test, "test")] * test
    return calls


def evaluation_plan(params: Params, run_id: str, best: bool = True) -> tuple[int, int]:
    """(images, calls) of one extractor in ``run_id``'s evaluation (:func:`evaluation_calls`)."""
    calls = evaluation_calls(params, run_id, best)
    return sum(n for n, _ in calls), len(calls)


def reference_size(params: Params, dataset: str, split: str) -> int:
    """Reference features of a split in its statistics: ``n_reference`` at most."""
    size = REAL_SPLITS.get(dataset, {}).get(split, params.evaluation.n_reference)
    return min(params.evaluation.n_reference, size)


def stats_images(params: Params, dataset: str) -> int:
    """Real images one extractor sees in ``dataset``'s statistics (ganrepro.evaluate.stats):
    each split's reference draw, then the floor's (the final sample counts, drawn from the
    other labelled split)."""
    ev, sizes = params.evaluation, dict(REAL_SPLITS.get(dataset, {}))
    if not params.datasets.stl10_unlabeled:
        sizes.pop("unlabeled", None)
    refs = sum(min(ev.n_reference, n) for n in sizes.values())
    floor = 0
    if "train" in sizes and "test" in sizes:
        floor = min(ev.n_samples, sizes["test"]) + min(ev.n_samples_test, sizes["train"])
    return refs + floor


def read_measurements(path: str | Path) -> list[dict]:
    """Every line of a resources.jsonl that a full job can be sized from (the later ones
    current); a torn or foreign line is skipped."""
    path = Path(path)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("sizing"), dict):
            out.append(entry)
    return out


def _device_kind(entry: dict) -> str:
    return str(entry.get("device", "cpu")).split(":")[0]


class Sizing:
    """The resources of every job of a job table (:class:`ganrepro.jobs.Table`)."""

    def __init__(
        self,
        params: Params,
        device: str = "auto",
        measurements: str | Path | None = None,
        runtime: dict | None = None,
    ):
        """``runtime``: the training step's knobs the jobs run with (ganrepro.train.runtime,
        ``$GANREPRO_RUNTIME``; default: its defaults), part of a training's settings key."""
        self.params = params
        self.device = device
        self.runtime = runtime
        self.sized_scale = params.scale == "full" and params.rehearsal is None
        self.path = Path(measurements or layout.Tree("rehearsal").resources)
        self.lines = read_measurements(self.path) if self.sized_scale else []

    # -- one job -------------------------------------------------------------------------
    def ask(self, job) -> Ask:
        """What ``job`` (a :class:`ganrepro.jobs.Job`) asks for."""
        step = "train" if job.rule == "train" else "evaluate"
        res = self.params.resources[step]
        cfg = self.params.sizing
        sized = self.sized_scale and cfg is not None
        # a job that takes no --device (the classifier trains on the CPU) asks for no GPU
        gpu = 0 if self.device == "cpu" or "device" not in job.knobs else res.gpu
        base = dict(
            job=job.name,
            rule=job.rule,
            threads=res.threads,
            gpu=gpu,
            gpu_model=res.gpu_model if gpu else "",
            # every scale's retries grow up to the partition's limit (a quick job on a
            # cluster that cancels it gets attempt x its time on the next attempt too)
            max_runtime=cfg.max_runtime if cfg is not None else res.runtime,
        )
        # an unmeasured job asks for params.yaml's values, within the partition's limit too
        runtime = min(res.runtime, cfg.max_runtime) if sized else res.runtime
        default = dict(base, mem_mb=res.mem_mb, runtime=runtime, source="params.yaml")
        if not sized or job.rule not in SIZED_RULES:
            return Ask(**default, why=f"resources.{step} at the {self.params.scale} scale")
        entry, why = self._measurement(job, target_device(self.device, gpu), res.gpu_model)
        if entry is None:
            return Ask(**default, why=why)
        need_s, extra_mb = self._estimate(job, entry)
        need_s *= cfg.time_margin
        # a longer one asks for the limit: training resumes over its attempts (problems())
        runtime = min(max(cfg.min_runtime, math.ceil(need_s / 60)), cfg.max_runtime)
        mem_mb = math.ceil((entry["peak_rss_mb"] + extra_mb) * cfg.mem_margin)
        where = entry.get("device_name") or _device_kind(entry)
        threads = f", {entry['threads']} threads" if entry.get("threads") else ""
        return Ask(
            **base,
            mem_mb=max(mem_mb, 256),
            runtime=runtime,
            source="rehearsal",
            why=f"{entry['job']} on {where}{threads} ({entry.get('started', '?')})",
            need_s=need_s,
        )

    def _knobs(self, rule: str) -> dict | None:
        if rule != "train":
            return None
        if self.runtime is not None:
            return self.runtime
        from ganrepro.train.runtime import Runtime  # no torch at import

        return Runtime.parse(None).to_dict()

    def _measurement(self, job, kind: str, gpu_model: str) -> tuple[dict | None, str]:
        """The latest usable measurement of the job's rule and subject, or why there is none."""
        mine = [
            e
            for e in self.lines
            if e["sizing"].get("rule") == job.rule and e["sizing"].get("subject") == job.subject
        ]
        if not mine:
            return None, "not measured by the rehearsal"
        here = [
            e
            for e in mine
            if _device_kind(e) == kind
            and (kind == "cpu" or model_matches(gpu_model, e.get("device_name", "")))
        ]
        if not here:
            seen = mine[-1].get("device_name") or _device_kind(mine[-1])
            want = kind + (f" ({gpu_model})" if kind == "cuda" and gpu_model else "")
            return None, f"measured on {seen}, not on {want}: not used"
        key = settings_key(self.params, job.rule, job.subject, self._knobs(job.rule))
        same = [e for e in here if e["sizing"].get("key") == key]
        if not same:
            return None, (
                f"measured with other settings of {job.subject} than now (params.yaml or "
                "the runtime knobs changed since the rehearsal): not used; rehearse again"
            )
        return same[-1], ""

    def _estimate(self, job, e: dict) -> tuple[float, float]:
        """(seconds of work at the full budget, MB the full budget adds to the peak)."""
        p, rule = self.params, job.rule
        wall = float(e["wall_s"])
        if rule == "train":
            per_step = e.get("s_per_step") or e["train_wall_s"] / max(1, e["steps"])
            setup = max(0.0, wall - e["train_wall_s"])
            return setup + per_step * e["schedule_steps"], 0.0
        setup = max(0.0, wall - e["work_s"])
        if rule == "classifier":
            return setup + e["work_s"] / max(1, e["steps"]) * e["schedule_steps"], 0.0
        if rule == "visuals":
            grow = 1.0
            if e.get("part") == "cherry" and e.get("cherry_pool"):
                grow = max(1.0, p.evaluation.cherry_pool / e["cherry_pool"])
            return setup + e["work_s"] * grow, 0.0
        ev = p.evaluation
        per_image = e["extract_s"] / max(1, e["images"])
        # the rehearsal's own pairwise part is mostly its calls' overhead (20 x 50 features):
        # it is counted per call, and the full pairs at the rate the rehearsal's evaluation
        # timed at scale (2,000 x 2,000 features of 2,048 dimensions; per extractor by its)
        per_call = max(0.0, e["work_s"] - e["extract_s"]) / max(1, e["calls"])
        n_ext = len(ev.extractors)
        dim = sum(FEATURE_DIMS[x] + LOGITS[x] for x in ev.extractors)  # per image, float64
        if rule == "stats":
            images, calls = stats_images(p, job.subject) * n_ext, e["calls"]
            largest = max(ev.n_reference, ev.n_samples, ev.n_samples_test)
            return setup + per_image * images + per_call * calls, 2 * largest * dim * 8 / 2**20
        run = p.run(job.subject)
        calls = evaluation_calls(p, job.subject)
        ref = {s: reference_size(p, run.data, s) for s in ("train", "test")}
        pairs = sum(pairwise(n, ref[s], ev.kid_subsets, ev.kid_subset_size) for n, s in calls)
        per_pair = e.get("pair_s_2048", 0.0) * sum(FEATURE_DIMS[x] for x in ev.extractors) / 2048
        need = (
            setup
            + per_image * sum(n for n, _ in calls) * n_ext
            + per_call * len(calls) * n_ext
            + per_pair * pairs
        )
        # held while scoring: both splits' reference features, the largest call's generated
        # features and logits, and precision/recall's distance block with its concatenation
        largest = max(n for n, _ in calls)
        refs_b = sum(ref.values()) * sum(FEATURE_DIMS[x] for x in ev.extractors) * 8
        prc_b = 2 * min(PRC_BATCH, largest) * max(ref.values()) * 4
        return need, (refs_b + 2 * largest * dim * 8 + prc_b) / 2**20

    # -- the whole table -----------------------------------------------------------------
    def asks(self, jobs) -> list[Ask]:
        return [self.ask(j) for j in jobs]

    def problems(self, asks: list[Ask], retries: int) -> list[str]:
        """The jobs that cannot finish within the partition's limit over their attempts (the
        first and ``retries`` more)."""
        out = []
        for a in asks:
            if a.need_s is None:
                continue
            need_min = a.need_s / 60
            if a.rule == "train":  # resumes from its state: the attempts' times add up
                attempts = max(0, retries) + 1
                total = sum(a.runtime_at(k) for k in range(1, attempts + 1))
                if need_min > total:
                    out.append(
                        f"{a.job}: needs about {need_min / 60:.1f} h ({a.why}); "
                        f"{attempts} attempt(s) of at most {a.max_runtime} min give {total} min"
                        " (raise resources.sizing.max_runtime or --retries, or use a faster "
                        "device)"
                    )
            elif need_min > a.max_runtime:
                out.append(
                    f"{a.job}: needs about {need_min:.0f} min ({a.why}), over the partition's "
                    f"{a.max_runtime} min (resources.sizing.max_runtime); it cannot resume"
                )
        return out

    def summary(self, asks: list[Ask]) -> list[str]:
        """What the workflow says when it loads: where the resources come from."""
        if not self.sized_scale:
            return []
        sized = [a for a in asks if a.rule in SIZED_RULES]
        measured = [a for a in sized if a.source == "rehearsal"]
        lines = [
            f"resources: {len(measured)} of {len(sized)} jobs sized from {self.path} "
            f"(`ganrepro jobs --resources --scale full` lists each job's)"
        ]
        reasons = Counter(a.why for a in sized if a.source != "rehearsal")
        for why, n in reasons.most_common():
            example = next(a.job for a in sized if a.why == why)
            lines.append(f"  {n} on params.yaml's values: {why} (e.g. {example})")
        return lines


def format_table(asks: list[Ask]) -> str:
    """One line per job: what it asks for on its first attempt, and from where."""
    head = ("job", "threads", "gpu", "mem_mb", "runtime", "from")
    rows = [
        (
            a.job,
            str(a.threads),
            f"{a.gpu}{':' + a.gpu_model if a.gpu_model else ''}",
            str(a.mem_mb),
            f"{a.runtime} min",
            f"{a.source}: {a.why}",
        )
        for a in asks
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1] + "\n"
        for r in [head, *rows]
    )
