"""The argument parser: every command, its arguments and help."""

from __future__ import annotations

import argparse

from ganrepro import __version__, layout
from ganrepro.cli.common import (
    _checkpoint_args,
    _generated_args,
    _inputs_arg,
    _params_args,
    _scale_args,
)
from ganrepro.cli.outputs import (
    cmd_figure,
    cmd_report,
    cmd_sample,
    cmd_samples,
    cmd_table,
    cmd_tensorboard,
)
from ganrepro.cli.project import (
    cmd_data_prepare,
    cmd_data_serve,
    cmd_dvc_yaml,
    cmd_jobs,
    cmd_rehearse_archives,
    cmd_rehearse_inception,
    cmd_runs,
    cmd_schema,
    cmd_show,
    cmd_validate,
)
from ganrepro.cli.steps import cmd_classifier_train, cmd_evaluate, cmd_stats, cmd_train, cmd_visuals


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganrepro",
        description="The ganrepro command: every pipeline step, with every path as an argument.",
    )
    parser.add_argument("--version", action="version", version=f"ganrepro {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check params.yaml against its schema and rules")
    p.add_argument("file", nargs="?", help="parameters file (the same as --params)")
    p.add_argument("--params", help="parameters file (default: params.yaml)")
    _scale_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print or write the JSON schema of params.yaml")
    _generated_args(p, "the schema")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("runs", help="list the run ids ({source}/{run}) of params.yaml")
    _params_args(p)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser(
        "show", help="a run's resolved settings, each with where it comes from in params.yaml"
    )
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    _params_args(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "jobs", help="the workflow's jobs; one job's command, settings and files; who reads a key"
    )
    p.add_argument("job", nargs="?", help="a job, e.g. train-frank-wgan: what it reads and writes")
    p.add_argument("--reading", metavar="KEY", help="only the jobs that read KEY (dotted)")
    p.add_argument(
        "--resources",
        action="store_true",
        help="what each cluster job asks for (threads, GPUs, memory, runtime) and from where: "
        "at the full scale, the rehearsal's measurements (a dry run prints the threads capped)",
    )
    p.add_argument("--device", default="auto", help="with --resources: the workflow's device")
    p.add_argument(
        "--retries", type=int, default=2, help="with --resources: the profile's retries (2)"
    )
    p.add_argument(
        "--measurements",
        metavar="JSONL",
        help="with --resources: the rehearsal's measurements (results/rehearsal/resources.jsonl)",
    )
    _params_args(p)
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("train", help="train one run ({source}/{run}), resuming if possible")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--data", help="prepared dataset (default: results/{tree}/data/{dataset}.npz)")
    p.add_argument("--out", help="run folder (default: results/{tree}/runs/{source}/{run})")
    p.add_argument("--seed-index", type=int, default=0, help="k: train with seed + k")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda[:N]")
    p.add_argument("--threads", type=int, help="torch CPU threads (the rule's threads)")
    p.add_argument(
        "--runtime",
        action="append",
        metavar="KEY=VALUE",
        help="how the steps run, e.g. autocast=bf16, compile=true, channels_last=false "
        "(repeatable; keys and defaults: ganrepro.train.runtime.Runtime; default: "
        "$GANREPRO_RUNTIME, comma-separated)",
    )
    p.add_argument(
        "--save-every",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="also save resume.pt this often (default: %(default)s)",
    )
    p.add_argument("--restart", action="store_true", help="discard saved state and start over")
    p.add_argument(
        "--restart-if-changed",
        action="store_true",
        help="discard saved state of another configuration or seed instead of "
        "refusing to resume (the workflow's setting after a parameter change)",
    )
    _params_args(p)
    p.set_defaults(func=cmd_train)

    cls = sub.add_parser("classifier", help="domain classifiers (classifier-FID / -IS)")
    cls = cls.add_subparsers(dest="classifier_cmd", required=True)
    p = cls.add_parser("train", help="train a dataset's domain classifier; reports test accuracy")
    p.add_argument("--data", required=True, help="prepared dataset (.npz)")
    p.add_argument(
        "--out", required=True, help="classifier file (results/{tree}/classifiers/{d}.pt)"
    )
    p.add_argument("--threads", type=int)
    _params_args(p)
    p.set_defaults(func=cmd_classifier_train)

    p = sub.add_parser("stats", help="reference statistics of a dataset (computed once)")
    p.add_argument("--data", required=True, help="prepared dataset (.npz)")
    p.add_argument("--classifier", help="the dataset's domain classifier (.pt)")
    p.add_argument("--out", required=True, help="statistics file (results/{tree}/stats/{d}.npz)")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    p.add_argument("--threads", type=int, help="CPU threads (the rule's threads)")
    _params_args(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser(
        "evaluate",
        help="metrics of a run at its checkpoints -> metrics.json (every path: the layout's)",
    )
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    # a --checkpoint with no train.json, log.csv or ckpt/ beside it is scored alone
    _checkpoint_args(p)
    p.add_argument("--summary", help="the run's train.json (default: beside the checkpoint)")
    p.add_argument("--log", help="the run's log.csv (default: beside the checkpoint)")
    p.add_argument("--ckpt-dir", help="periodic checkpoints (default: ckpt/ beside it)")
    p.add_argument("--stats", help="reference statistics (default: results/{tree}/stats/)")
    p.add_argument("--classifier", help="domain classifier (default: results/{tree}/classifiers/)")
    p.add_argument(
        "--out",
        help="metrics.json (default: beside the checkpoint; a lone one: {name}.metrics.json)",
    )
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    p.add_argument("--threads", type=int)
    _params_args(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("visuals", help="one part of a run's sample arrays for its figures (.npz)")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--part", required=True, choices=layout.PARTS)
    p.add_argument("--checkpoint", required=True, help="the run's final checkpoint.pt")
    p.add_argument("--classifier", help="domain classifier (cherry-picking unconditional runs)")
    p.add_argument(
        "--out", required=True, help="the part's .npz (results/{tree}/runs/.../{part}.npz)"
    )
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    p.add_argument("--threads", type=int)
    _params_args(p)
    p.set_defaults(func=cmd_visuals)

    p = sub.add_parser("sample", help="N images of a run's checkpoint -> a PNG grid or .npz")
    p.add_argument("run", help="run id, e.g. frank/wgan_gp")
    p.add_argument("--n", type=int, default=64, help="images (default: %(default)s)")
    p.add_argument("--seed", type=int, help="latent seed (default: the evaluation's)")
    _checkpoint_args(p)
    p.add_argument("--out", required=True, help="a .png grid or a .npz of uint8 arrays")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    _params_args(p)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("tensorboard", help="TensorBoard over the runs' training curves")
    p.add_argument("runs", nargs="*", help="run ids or sources (default: every trained run)")
    p.add_argument("--host", default="127.0.0.1", help="(default: %(default)s)")
    p.add_argument("--port", type=int, default=6006, help="(default: %(default)s)")
    p.add_argument("--dry-run", action="store_true", help="print TensorBoard's command only")
    _params_args(p)
    p.set_defaults(func=cmd_tensorboard)

    p = sub.add_parser("samples", help="sample figures of a run: grid, interpolation, ...")
    p.add_argument("run", help="run id")
    p.add_argument(
        "--kind", required=True, help="a sample figure: grid, interpolation, cherry, paired"
    )
    _checkpoint_args(p)
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--classifier", help="domain classifier (cherry-picking unconditional runs)")
    p.add_argument("--data", help="real dataset (paired grids)")
    p.add_argument("--title")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cpu, cuda")
    _params_args(p)
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("figure", help="draw one source figure, e.g. frank/fig7_fid_curves")
    p.add_argument("figure", help="{source}/{figure}")
    _inputs_arg(p, "the run files (and dataset) it draws")
    p.add_argument(
        "--out", required=True, help="PNG (results/{tree}/figures/{source}/{figure}.png)"
    )
    _params_args(p)
    p.set_defaults(func=cmd_figure)

    p = sub.add_parser(
        "table", help="make one source table (CSV + Markdown), e.g. ding/table2_wgan_study"
    )
    p.add_argument("table", help="{source}/{table}")
    _inputs_arg(p, "the run files it tabulates")
    p.add_argument("--out", required=True, help="CSV (results/{tree}/tables/{source}/{table}.csv)")
    _params_args(p)
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("report", help="the comparative report (one self-contained HTML page)")
    _inputs_arg(p, "metrics, figures, tables and datasets; one not given is shown as missing")
    p.add_argument("--deviations", default="report/deviations.yaml")
    p.add_argument("--out", required=True, help="results/{tree}/report/index.html")
    _params_args(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("dvc-yaml", help="generate dvc.yaml from params.yaml and the catalog")
    _generated_args(p, "dvc.yaml")
    _params_args(p)
    p.set_defaults(func=cmd_dvc_yaml)

    data = sub.add_parser("data", help="datasets").add_subparsers(dest="data_cmd", required=True)
    p = data.add_parser("prepare", help="download/build a dataset into one .npz of uint8 arrays")
    p.add_argument("dataset", help="mnist, cifar10, stl10, or a stand-in: digits, photos")
    p.add_argument("--out", required=True, help="output .npz (results/{tree}/data/{dataset}.npz)")
    _params_args(p)
    p.add_argument(
        "--raw-dir",
        help="where archives are downloaded to, or put by hand (default: results/{tree}/raw)",
    )
    p.add_argument(
        "--mirror",
        metavar="URL_OR_DIR",
        help="fetch each archive from URL_OR_DIR/{dataset}/{file} instead of its host (the "
        "md5s stay the real ones; default: $GANREPRO_MIRROR, which the workflow's "
        "`--config mirror=...` sets)",
    )
    p.add_argument(
        "--archives",
        metavar="DIR",
        help="the rehearsal's: serve DIR (`ganrepro rehearse archives`) on 127.0.0.1 for this "
        "download and check each file against DIR/manifest.json",
    )
    p.set_defaults(func=cmd_data_prepare)
    p = data.add_parser("serve", help="serve a folder of archives on 127.0.0.1 (a mirror)")
    p.add_argument("folder", help="a folder laid out as {dataset}/{file}")
    p.add_argument("--port", type=int, default=8765, help="(default: %(default)s)")
    p.set_defaults(func=cmd_data_serve)

    rh = sub.add_parser("rehearse", help="the full-scale rehearsal's inputs (docs/rehearsal.md)")
    rh = rh.add_subparsers(dest="rehearse_cmd", required=True)
    p = rh.add_parser(
        "archives",
        help="write a real dataset's archives in its real format at the real split sizes "
        "(synthetic images), with a manifest of their md5s",
    )
    p.add_argument("dataset", help="mnist, cifar10 or stl10")
    p.add_argument("--out", required=True, help="folder ({dataset}/{file}, manifest.json)")
    _params_args(p)
    p.set_defaults(func=cmd_rehearse_archives)
    p = rh.add_parser(
        "inception",
        help="write Inception weights in torch-fidelity's format with random values (a real "
        "run refuses them)",
    )
    p.add_argument("--out", required=True, help="the .pth file")
    _params_args(p)
    p.set_defaults(func=cmd_rehearse_inception)
    return parser
