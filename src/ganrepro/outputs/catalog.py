"""What each source's figures and tables are, as data.

A figure is ``results/{tree}/figures/{source}/{name}.png``, a table
``results/{tree}/tables/{source}/{name}.csv`` (and ``.md``). ``kind`` picks the code that makes
it; ``runs`` are run names of the same source; what a kind needs from a run folder (sample
arrays, metrics, log...) is in ``NEEDS``, so the workflow builds only that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ganrepro.registry import UnknownName


@dataclass(frozen=True)
class Output:
    kind: str
    runs: tuple[str, ...]
    title: str
    caption: str = ""
    options: dict = field(default_factory=dict)


# kind -> what it reads: names of ``layout.RUN_FILES`` (seed 0 of each of its runs; with a
# trailing "*", every seed) and "data" (the run's dataset). ``ganrepro.jobs`` declares exactly
# these as the job's inputs, and the command may read nothing else.
NEEDS: dict[str, tuple[str, ...]] = {
    "grid": ("samples",),
    "grids": ("samples", "summary"),
    "interpolation": ("interpolation",),
    "cherry": ("cherry",),
    "paired": ("samples", "data"),
    "steps": ("grids", "summary"),
    "losses": ("log", "summary"),
    "metric_curves": ("log", "metrics*"),
    "study_trend": ("log", "metrics*"),
    "divergence": ("log", "summary"),
    "metrics_table": ("log*", "metrics*"),
    "class_accuracy": ("metrics*",),
}

ZHU_DCGAN = (
    "cfg_dcgan_mnist",
    "wgan_gp_dcgan_mnist",
    "dcgan_mnist",
    "cfg_dcgan_cifar10",
    "wgan_gp_dcgan_cifar10",
    "dcgan_cifar10",
)
ZHU_RESNET = ("cfg_resnet_cifar10", "wgan_gp_resnet_cifar10")
DING_STUDY = (
    "wgan",
    "wgan_ncritic3",
    "wgan_ncritic7",
    "wgan_clip0005",
    "wgan_clip0015",
    "wgan_lr3e4",
    "wgan_lr1e3",
)

FIGURES: dict[str, dict[str, Output]] = {
    "acwgan": {
        "fig4_samples_cifar10": Output(
            "grid",
            ("cifar10",),
            "AC-WGAN-GP, CIFAR-10: random samples",
            "One row per class (the class given to the generator).",
        ),
        "fig5_samples_stl10": Output(
            "grid", ("stl10",), "AC-WGAN-GP, STL-10 at 32x32: random samples", "One row per class."
        ),
        "fig6_interpolation_cifar10": Output(
            "interpolation", ("cifar10",), "AC-WGAN-GP, CIFAR-10: latent interpolation"
        ),
        "fig7_interpolation_stl10": Output(
            "interpolation", ("stl10",), "AC-WGAN-GP, STL-10: latent interpolation"
        ),
        "fig8_cherry_cifar10": Output(
            "cherry",
            ("cifar10",),
            "AC-WGAN-GP, CIFAR-10: cherry-picked samples",
            "Per class, the samples with the highest critic score out of `cherry_pool`.",
        ),
    },
    "agarwal": {
        **{
            f"steps_{r}": Output(
                "steps",
                (r,),
                f"agarwal {r}: samples during training",
                "A fixed latent batch at each periodic checkpoint.",
            )
            for r in ("simple_gan", "dcgan", "wgan_gp", "cgan")
        },
        "cgan_real_fake": Output(
            "paired",
            ("cgan",),
            "agarwal cgan: real vs generated, same labels",
            "Seed: white blobs appear after ~200 steps.",
        ),
    },
    "ding": {
        "fig2_samples": Output(
            "grids",
            ("gan", "wgan", "cgan"),
            "ding Fig 2: GAN, WGAN, CGAN samples (5x5)",
            options={"n": 25, "nrow": 5},
        ),
        "fig3_study_trend": Output(
            "study_trend",
            DING_STUDY,
            "ding Fig 3: WGAN hyper-parameter study",
            "Final D/G losses and classifier-FID per setting.",
        ),
        "fig4_samples": Output(
            "grids",
            ("wgan", "wgan_gp"),
            "ding Fig 4: WGAN vs improved WGAN samples (5x5)",
            options={"n": 25, "nrow": 5},
        ),
    },
    "frank": {
        "fig1_losses_dcgan": Output("losses", ("dcgan",), "frank Fig 1: DCGAN losses"),
        "fig2_samples_dcgan": Output("grid", ("dcgan",), "frank Fig 2: DCGAN samples"),
        "fig3_losses_wgan": Output("losses", ("wgan",), "frank Fig 3: WGAN (clipping) losses"),
        "fig4_samples_wgan": Output("grid", ("wgan",), "frank Fig 4: WGAN samples"),
        "fig5_losses_wgan_gp": Output("losses", ("wgan_gp",), "frank Fig 5: WGAN-GP losses"),
        "fig6_samples_wgan_gp": Output("grid", ("wgan_gp",), "frank Fig 6: WGAN-GP samples"),
        "fig7_fid_curves": Output(
            "metric_curves",
            ("dcgan", "wgan", "wgan_gp"),
            "frank Fig 7: FID over training",
            options={"metric": "fid"},
        ),
        "fig8_interpolation": Output(
            "interpolation", ("dcgan",), "frank Fig 8: latent interpolation (DCGAN)"
        ),
    },
    "zhu": {
        "is_curves_dcgan": Output(
            "metric_curves",
            ZHU_DCGAN,
            "zhu: IS over training, DCGAN architecture",
            options={"metric": "is_mean"},
        ),
        "is_curves_resnet": Output(
            "metric_curves",
            ZHU_RESNET,
            "zhu: IS over training, ResNet architecture",
            options={"metric": "is_mean"},
        ),
        "samples": Output(
            "grids",
            ZHU_DCGAN + ZHU_RESNET,
            "zhu: samples of every model",
            options={"n": 64, "nrow": 8},
        ),
        "divergence": Output(
            "divergence",
            ("cfg_resnet_cifar10", "cfg_dcgan_cifar10"),
            "zhu: CFG-GAN discriminator gap per stage",
            "The guard stops a run when |mean D(real) - mean D(fake)| > 40.",
        ),
    },
}

TABLES: dict[str, dict[str, Output]] = {
    "acwgan": {
        "metrics": Output("metrics_table", ("cifar10", "stl10"), "AC-WGAN-GP: final metrics"),
        "class_accuracy": Output(
            "class_accuracy",
            ("cifar10", "stl10"),
            "AC-WGAN-GP: classifier accuracy of samples per class",
        ),
    },
    "agarwal": {
        "metrics": Output(
            "metrics_table", ("simple_gan", "dcgan", "wgan_gp", "cgan"), "agarwal: final metrics"
        ),
    },
    "ding": {
        "table1_losses": Output(
            "metrics_table",
            ("gan", "wgan", "cgan"),
            "ding Table 1: final losses (and the metrics the source did not report)",
        ),
        "table2_wgan_study": Output("metrics_table", DING_STUDY, "ding Table 2: WGAN settings"),
        "table3_wgan_vs_gp": Output(
            "metrics_table", ("wgan", "wgan_gp"), "ding Table 3: WGAN vs improved WGAN"
        ),
    },
    "frank": {
        "metrics": Output("metrics_table", ("dcgan", "wgan", "wgan_gp"), "frank: final metrics"),
    },
    "zhu": {
        "metrics": Output("metrics_table", ZHU_DCGAN + ZHU_RESNET, "zhu: final metrics"),
    },
}


def name_pattern(book: dict[str, dict[str, Output]]) -> str:
    """A regular expression for the ``name`` wildcard of a figure or table path
    (``.../{source}/{name}.png``) that matches only the names of the source before it: each
    source's names behind a lookbehind on its folder. An unknown name is then "no rule to
    produce" the file in one line, never a failing job lookup."""
    return "|".join(
        rf"(?<=/{re.escape(source)}/)(?:{'|'.join(map(re.escape, names))})"
        for source, names in book.items()
    )


def get(kind: str, source: str, name: str) -> Output:
    """The figure (``kind='figure'``) or table of ``source`` called ``name``."""
    book = FIGURES if kind == "figure" else TABLES
    if source not in book or name not in book[source]:
        known = ", ".join(f"{s}/{n}" for s, items in book.items() for n in items)
        raise UnknownName(f"unknown {kind} {source}/{name} (known: {known})")
    return book[source][name]


# What the sources themselves reported, shown beside our numbers (ding ranked by losses only).
REPORTED: dict[str, dict[str, dict[str, float]]] = {
    "ding": {
        "gan": {"d_loss": 0.148, "g_loss": 3.698},
        "wgan": {"d_loss": -0.076, "g_loss": -0.210},
        "cgan": {"d_loss": 0.096, "g_loss": 0.719},
        "wgan_ncritic3": {"d_loss": -0.020, "g_loss": -0.149},
        "wgan_ncritic7": {"d_loss": -0.078, "g_loss": -3.570},
        "wgan_clip0005": {"d_loss": -0.006, "g_loss": -0.010},
        "wgan_clip0015": {"d_loss": -0.258, "g_loss": -0.987},
        "wgan_lr3e4": {"d_loss": -0.122, "g_loss": -0.260},
        "wgan_lr1e3": {"d_loss": -0.001, "g_loss": 0.012},
        "wgan_gp": {"d_loss": -1.170, "g_loss": -2.664},
    },
}


def reads(out: Output, source: str, params) -> list[str]:
    """The files a figure or table job reads (its declared inputs), by :data:`NEEDS`."""
    from ganrepro import layout

    T = layout.of(params)
    paths = []
    for name in out.runs:
        run_id = f"{source}/{name}"
        for need in NEEDS[out.kind]:
            if need == "data":
                paths.append(T.data(params.run(run_id).data))
            elif need.endswith("*"):
                seeds = range(params.seeds_for(run_id))
                paths += [T.run_file(run_id, k, need[:-1]) for k in seeds]
            else:
                paths.append(T.run_file(run_id, 0, need))
    return list(dict.fromkeys(paths))
