"""What each key of params.yaml is, in words: the JSON schema's descriptions (and from it the
docs and ``ganrepro validate``'s messages). A setting that names a registry entry (a loss...)
takes its description from the entries."""

from __future__ import annotations

from ganrepro.registry import ARCHITECTURES, LOSSES, OPTIMIZERS, TRAINERS

# Every key of params.yaml: the schema's descriptions, and the start of the comment on each
# general key in params.yaml (tests/config/test_params.py). Run keys are dotted as in
# ``RunConfig.flat()``; ``*`` stands for either resources step.
DESCRIPTIONS = {
    "scale": "the scale the workflow runs: quick (stand-in data, tiny widths, minutes on 2 CPU "
    "cores), small (stand-in data, 5 seeds, MLPs at full width, about 75 minutes on 2 CPU cores) "
    "or full (the sources' settings on the real datasets, GPU)",
    "seed": "global seed; seed index k of a run trains with seed + k",
    "seeds": "seeds per run (tables show mean and std when > 1)",
    "standins": "offline stand-ins instead of real data (never at full scale)",
    "datasets": "how the datasets are prepared",
    "datasets.photos_per_class": "32x32 patches cut from each scikit-image photo (the "
    "stand-in for CIFAR-10 and STL-10)",
    "datasets.digits_test_fraction": "share of scikit-learn's digits held out as the test split",
    "datasets.photos_test_fraction": "share of the photo patches held out as the test split",
    "datasets.stl10_unlabeled": "also decode STL-10's 100k unlabelled images (2.6 GB archive "
    "member)",
    "evaluation": "how every run is scored and drawn",
    "evaluation.extractors": "feature extractors: inception (needs local weights) and/or "
    "classifier",
    "evaluation.n_samples": "generated samples scored against the train statistics (final "
    "checkpoint)",
    "evaluation.n_samples_test": "generated samples scored against the test statistics (final "
    "checkpoint)",
    "evaluation.n_samples_curve": "generated samples scored at each periodic checkpoint (the "
    "curves)",
    "evaluation.draws": "latent draws the final checkpoint is scored with against the train "
    "statistics (seeds seed + i; the spread of the metrics)",
    "evaluation.n_reference": "real images per split in the reference statistics",
    "evaluation.kid_subsets": "random subsets KID averages over",
    "evaluation.kid_subset_size": "samples in each KID subset",
    "evaluation.is_splits": "splits the Inception Score is averaged over",
    "evaluation.seed": "seed of the latent draws for evaluation and figures",
    "evaluation.inception_weights": "local path of weights-inception-2015-12-05-6726825d.pth, "
    "or null",
    "evaluation.interpolation": "latent interpolation: linear or slerp",
    "evaluation.interpolation_steps": "images per interpolation row",
    "evaluation.cherry_pool": "samples per class scored by the critic for cherry-picks",
    "classifier": "the domain classifier per dataset (classifier-FID and -IS)",
    "classifier.width": "base channel width",
    "classifier.epochs": "training epochs",
    "classifier.lr": "Adam learning rate",
    "classifier.batch_size": "training batch size",
    "resources": "what the workflow asks the scheduler for, per job",
    "resources.train": "one training job",
    "resources.evaluate": "one evaluation job",
    "resources.*.gpu": "GPUs",
    "resources.*.threads": "CPU threads",
    "resources.*.mem_mb": "memory in MB",
    "resources.*.runtime": "wall-time limit in minutes (full scale: used only for a job the "
    "rehearsal has not measured; see resources.sizing)",
    "resources.*.gpu_model": "the GPU type asked for (SLURM --gpus=MODEL:N), e.g. a100; empty: "
    "any; a full run is sized only from a rehearsal measured on a GPU whose name contains it",
    "resources.sizing": "full scale: runtime and memory from the latest rehearsal on the same "
    "device (results/rehearsal/resources.jsonl; docs/cluster.md)",
    "resources.sizing.time_margin": "runtime = (setup + s/step x the schedule, or per image x "
    "images) x this",
    "resources.sizing.mem_margin": "mem_mb = (peak RSS + data the rehearsal did not load) x this",
    "resources.sizing.min_runtime": "minutes: no sized job asks for less",
    "resources.sizing.max_runtime": "minutes: the partition's limit. Attempt a asks for a x the "
    "first attempt's time, up to this; training resumes across attempts (a training that "
    "cannot finish within them, or an evaluation over this, is refused before submission)",
    "rehearsal": "the full-scale rehearsal (--config rehearse=true): every full-scale setting "
    "except these; everything it writes says REHEARSAL and lives in results/rehearsal/",
    "rehearsal.steps": "generator iterations (CFG-GAN: stages) each training runs of its "
    "full schedule (lr decay unchanged)",
    "rehearsal.checkpoints": "periodic checkpoints of each training (evaluated; at most steps)",
    "rehearsal.samples": "generated images each evaluation count scores (final, test, curve, "
    "each draw), and the cherry-pick pool per class",
    "rehearsal.reference": "real images per split in the reference statistics and the floor",
    "rehearsal.classifier_steps": "optimiser steps of each domain classifier",
    "rehearsal.all_seeds": "runs trained with every seed (the others train seed 0): at least "
    "one per trainer",
    "sources": "the runs, grouped by source: sources.{source}.{run}",
    "source": "one source's runs, by run name",
    "run": "one run; every key it sets is read by its trainer, architecture, loss or optimiser",
    "trainer": TRAINERS.describe(),
    "dataset": "the dataset trained on (its offline stand-in when standins is true)",
    "splits": "the dataset's splits trained on, joined",
    "model": "the generator and critic",
    "model.arch": ARCHITECTURES.describe(),
    "model.z_dim": "latent size",
    "model.conditioning": "class conditioning: none, embed (dcgan), onehot (mlp) or cbn "
    "(resnet, conditional BatchNorm)",
    "model.init": "weight init: default (PyTorch's), dcgan (N(0, 0.02)) or kaiming (He normal)",
    "model.width": "dcgan, resnet: base channel width",
    "model.g_width": "dcgan: the generator's base width (absent: width)",
    "model.d_norm": "dcgan, resnet: the critic's normalisation",
    "model.embed_dim": "dcgan with embed conditioning: size of the label embedding added to z",
    "model.g_hidden": "mlp: the generator's hidden widths",
    "model.g_act": "mlp: the generator's hidden activation",
    "model.g_out": "mlp: the generator's output activation (tanh: [-1, 1], sigmoid: [0, 1]); "
    "dcgan and resnet end in tanh",
    "model.d_hidden": "mlp: the critic's hidden widths",
    "model.d_act": "mlp: the critic's activation",
    "model.maxout_pieces": "mlp with maxout critic: pieces per maxout layer",
    "model.dropout": "mlp: dropout probability after each critic layer",
    "model.g_branches": "mlp with onehot conditioning: widths of the generator's z and y branches",
    "model.d_branches": "mlp with onehot conditioning: widths of the critic's x and y branches",
    "objective": "the losses and their regularisers",
    "objective.loss": LOSSES.describe(),
    "objective.gp": "wasserstein: gradient-penalty weight lambda (0: none)",
    "objective.clip": "wasserstein: weight-clipping bound c (0: none)",
    "objective.ac": "adversarial, resnet: auxiliary classifier weights (absent: no classifier)",
    "objective.ac.d": "weight of the classification loss in the critic's loss",
    "objective.ac.g": "weight of the classification loss in the generator's loss",
    "objective.real_label": "bce: the critic's target for real images",
    "objective.fake_label": "bce: the critic's target for generated images",
    "objective.g_label": "bce: the generator's target for its images",
    "optim": "the optimiser of generator and critic (trainer cfg: of the critic and the "
    "approximator, which runs at cfg.approx_lr)",
    "optim.name": OPTIMIZERS.describe(),
    "optim.lr": "learning rate",
    "optim.eps": "the optimiser's epsilon",
    "optim.lr_decay": "adversarial: none, or linear (to 0 over the run)",
    "optim.betas": "adam: beta1, beta2",
    "optim.alpha": "rmsprop: smoothing constant",
    "schedule": "batches and budget: exactly one of epochs, iterations, stages",
    "schedule.batch_size": "real images per critic (cfg: discriminator) step",
    "schedule.g_batch_size": "adversarial: latents per generator step (absent: batch_size)",
    "schedule.n_critic": "adversarial: critic steps per generator step",
    "schedule.epochs": "adversarial: passes of the critic over the training data",
    "schedule.iterations": "adversarial: generator iterations",
    "schedule.stages": "cfg: CFG-GAN stages",
    "schedule.reuse_real": "adversarial with epochs: one real batch for all critic steps of a "
    "generator iteration",
    "eval": "what training keeps for evaluation",
    "eval.checkpoints": "periodic checkpoints kept (and evaluated) over the run",
    "cfg": "trainer cfg: the xICFG settings",
    "cfg.T": "discriminator snapshots per stage",
    "cfg.U": "discriminator updates per snapshot",
    "cfg.eta": "functional-gradient step size",
    "cfg.approx_n": "generated samples the approximator is refit to each stage",
    "cfg.approx_epochs": "epochs of each refit",
    "cfg.approx_batch_size": "batch size of each refit",
    "cfg.approx_lr": "the approximator's learning rate (its other settings are optim's)",
    "cfg.approx_decay": "factor on the refit's lr when an epoch's loss rises",
    "cfg.approx_max_decays": "most lr decays per refit",
    "cfg.guard": "divergence: |mean D(real) - mean D(fake)| above this",
    "cfg.guard_after": "stages run before the guard acts",
}

# value types: name -> schema of one value; each is also accepted per scale
