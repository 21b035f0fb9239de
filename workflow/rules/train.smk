# Training: one job per run id {source}/{run} of params.yaml and seed (adding a run adds jobs).
# Seed 0 trains into results/{tree}/runs/{source}/{run}/, seed k >= 1 into .../seed{k}/. Training
# resumes from its own state/ folder, which no rule declares: Snakemake deletes a job's declared
# outputs before it runs and after it fails, and a stopped run must keep its progress.

TRAIN = TREE.run_file("{source}/{run}", 0, "checkpoint")
TRAIN_SEED = TREE.run_file("{source}/{run}", "{k}", "checkpoint")


rule train:
    input:
        unpack(job_inputs(TRAIN)),
    output:
        **run_outputs(layout.TRAIN_OUTPUTS, "{source}/{run}", 0),
    log:
        TREE.log("train/{source}/{run}.log"),
    benchmark:
        TREE.log("benchmarks/train/{source}/{run}.tsv")
    # trainings before the short jobs (evaluations, sample parts, figures): those then fill
    # every core to the end instead of a long training running alone there
    priority: 1
    conda:
        "../envs/ganrepro.yaml"
    threads: THREADS["train"]
    resources:
        **job_resources(TRAIN),
    params:
        **job_params(TRAIN),
        device=DEVICE,
    shell:
        "{params.cmd} --threads {threads} --device {params.device} > {log} 2>&1"


use rule train as train_seed with:
    input:
        unpack(job_inputs(TRAIN_SEED)),
    output:
        **run_outputs(layout.TRAIN_OUTPUTS, "{source}/{run}", "{k}"),
    log:
        TREE.log("train/{source}/{run}/seed{k}.log"),
    benchmark:
        TREE.log("benchmarks/train/{source}/{run}/seed{k}.tsv")
    resources:
        **job_resources(TRAIN_SEED),
    params:
        **job_params(TRAIN_SEED),
        device=DEVICE,
