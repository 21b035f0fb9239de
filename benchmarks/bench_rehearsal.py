"""The full-scale rehearsal from empty results: its wall time, per-rule times and peak
memories, and what each job measured of itself (results/rehearsal/resources.jsonl).

    python benchmarks/bench_rehearsal.py                  # clone HEAD, rehearse, print
    python benchmarks/bench_rehearsal.py --root DIR       # print a rehearsal already run in DIR
    python benchmarks/bench_rehearsal.py --device cuda    # on a GPU machine

The committed HEAD is cloned into a scratch folder (``--workdir``) and the whole full-scale
DAG runs there with the rehearsal switched on (``snakemake --cores 2 --config
rehearse=true``): the real-format archives written and served on 127.0.0.1 to the real
download code, the real decoders, the Inception extractor from a weights file in
torch-fidelity's format (random values), every run of every source (all seeds of
``rehearsal.all_seeds``), every figure, table and the report. The budget is 45 minutes wall on
2 CPU cores; not part of the test suite (tests/workflow/test_rehearsal.py runs a slice).

Per rule it prints the jobs' wall seconds (Snakemake's benchmark files) and peak RSS, then per
training the seconds per generator iteration with the full schedule's iterations, and per
evaluation the images it scored, and the checks a full-scale tree must pass: every run
evaluated with Inception and marked REHEARSAL, no claim that could not be measured, the
report's banner.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workflow import ROOT, benchmark_rows, run_scale  # noqa: E402

BIN = Path(sys.executable).parent  # the environment's console scripts


def per_rule(root: Path) -> None:
    rows = benchmark_rows(root, "rehearsal")
    print("\nper rule (Snakemake's benchmark files; s: wall seconds, RSS: peak MB):")
    print(
        f"  {'rule':20s} {'jobs':>5s} {'median s':>9s} {'max s':>8s} {'sum s':>8s} {'max RSS':>8s}"
    )
    total = 0.0
    for rule, jobs in sorted(rows.items(), key=lambda kv: -sum(float(r["s"]) for _, r in kv[1])):
        ts = [float(r["s"]) for _, r in jobs]
        rss = [float(r["max_rss"]) for _, r in jobs if r.get("max_rss") not in (None, "", "-")]
        total += sum(ts)
        print(
            f"  {rule:20s} {len(ts):5d} {statistics.median(ts):9.1f} {max(ts):8.1f} "
            f"{sum(ts):8.1f} {max(rss) if rss else float('nan'):8.0f}"
        )
    print(f"  job seconds in all: {total:.0f} s")


def measured(root: Path) -> dict[str, dict]:
    sys.path.insert(0, str(root / "src"))
    from ganrepro import layout, measure

    entries = measure.read(root / layout.Tree("rehearsal").resources)
    trains = {k: e for k, e in entries.items() if e.get("rule") == "train"}
    evals = {k: e for k, e in entries.items() if e.get("rule") == "evaluate"}
    if trains:
        device = sorted({e["device_name"] for e in trains.values()})
        print(f"\ntraining (resources.jsonl; device {', '.join(device)}):")
        print(f"  {'job':42s} {'s/iter':>8s} {'full iters':>10s} {'full h':>8s} {'RSS MB':>7s}")
        for job, e in sorted(trains.items()):
            s = e.get("s_per_step") or float("nan")
            full = e.get("schedule_steps") or 0
            print(f"  {job:42s} {s:8.3f} {full:10d} {s * full / 3600:8.1f} {e['peak_rss_mb']:7.0f}")
    if evals:
        print("\nevaluation (images through every extractor, their seconds, all seconds, RSS):")
        for job, e in sorted(evals.items()):
            rate = e["images"] / e["extract_s"] if e.get("extract_s") else float("nan")
            print(
                f"  {job:42s} {e['images']:5d} images {e['extract_s']:7.1f} s "
                f"({rate:5.1f}/s) of {e['work_s']:7.1f} s {e['peak_rss_mb']:7.0f} MB"
            )
    others = {k: e for k, e in entries.items() if k not in trains and k not in evals}
    if others:
        print("\nother jobs (wall s, CPU s, peak RSS MB):")
        for job, e in sorted(others.items()):
            print(f"  {job:42s} {e['wall_s']:7.1f} {e['cpu_s']:7.1f} {e['peak_rss_mb']:7.0f}")
    return entries


def sizes(root: Path, device: str) -> None:
    """What the full scale's jobs would ask a cluster for, sized from this rehearsal."""
    print(f"\nfull-scale resources from this rehearsal (ganrepro jobs --resources, {device}):")
    res = subprocess.run(
        [str(BIN / "ganrepro"), "jobs", "--resources", "--scale", "full", "--device", device],
        cwd=root,
        capture_output=True,
        text=True,
    )
    print(res.stdout + res.stderr, end="")


def checks(root: Path) -> int:
    """What a full-scale tree must show; returns the number of failed checks."""
    from ganrepro import layout
    from ganrepro.config import load_params
    from ganrepro.layout import Files
    from ganrepro.report.claims import CLAIMS
    from ganrepro.report.results import REHEARSAL, Results

    params = load_params(root / "params.yaml", rehearse=True)
    tree = layout.of(params)
    r = Results.load(params, Files(tree, root=root))
    failed = []
    for run_id in params.runs:
        ms = r.metrics.get(run_id) or []
        if len(ms) != params.seeds_for(run_id):
            failed.append(f"{run_id}: {len(ms)} of {params.seeds_for(run_id)} seeds evaluated")
        for m in ms:
            if "inception" not in m["final"] or "rehearsal" not in m:
                failed.append(f"{run_id}: no Inception metrics or no REHEARSAL mark")
    for claim in CLAIMS:
        v = claim.judge(r)
        if v.verdict != REHEARSAL or "could not be measured" in v.measurement:
            failed.append(f"claim {claim.text!r}: {v.verdict}; {v.measurement}; {v.reason}")
    page = root / tree.report
    if not page.is_file() or "REHEARSAL of the full scale" not in page.read_text():
        failed.append(f"{tree.report}: missing or without the REHEARSAL banner")
    else:  # the page in headless Chromium, as a reader sees it (tests/chromium.py)
        sys.path.insert(0, str(ROOT))
        from tests.chromium import render

        shot = root / "logs/rehearsal/report.png"
        got = render(page, root / "logs/rehearsal", shot)
        print(f"\nreport in Chromium: {got.loaded}/{got.images} images decoded, screenshot {shot}")
        if got.console or got.loaded != got.images or "missing</p>" in page.read_text():
            failed.append(f"report: console {got.console}, {got.loaded}/{got.images} images")
    print(f"\nchecks: {len(failed)} failed")
    for f in failed:
        print(f"  FAILED {f}")
    return len(failed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, help="print the rehearsal already run in this checkout")
    ap.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ganrepro-bench-rehearsal",
        help="where HEAD is cloned and rehearsed (replaced; default: %(default)s)",
    )
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="the workflow's device (default: cpu)")
    ap.add_argument("--no-checks", action="store_true", help="print only (a slice: gpu_check.sh)")
    args = ap.parse_args()
    root = args.root
    if root is None:
        wall = run_scale(
            "full", args.workdir, args.cores, ("rehearse=true", f"device={args.device}")
        )
        print(f"rehearsal wall time: {wall / 60:.1f} min (budget 45 min on 2 CPU cores)")
        root = args.workdir
    per_rule(root)
    measured(root)
    sizes(root, args.device)
    if not args.no_checks:
        sys.exit(1 if checks(root) else 0)


if __name__ == "__main__":
    print(f"ganrepro at {ROOT}", flush=True)
    main()
