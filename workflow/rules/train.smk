# Training: one job per run id {source}/{run} of params.yaml and seed (adding a run adds jobs).
# Seed 0 trains into results/runs/{source}/{run}/, seed k >= 1 into .../seed{k}/.


rule train:
    input:
        data=run_data,
    output:
        checkpoint="results/runs/{source}/{run}/checkpoint.pt",
        summary="results/runs/{source}/{run}/train.json",
        config="results/runs/{source}/{run}/config.yaml",
        samples="results/runs/{source}/{run}/samples.png",
        log_csv="results/runs/{source}/{run}/log.csv",
    log:
        "logs/train/{source}/{run}.log",
    benchmark:
        "logs/benchmarks/train/{source}/{run}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    threads: RES["train"].threads
    resources:
        gpu=RES["train"].gpu,
        mem_mb=RES["train"].mem_mb,
        runtime=RES["train"].runtime,
    params:
        out=subpath(output.checkpoint, parent=True),
        seed="--seed-index 0",
        device=DEVICE,
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro train {wildcards.source}/{wildcards.run} --data {input.data}"
        " --out {params.out} {params.seed} --restart-if-changed --threads {threads}"
        " --device {params.device}"
        " {params.cfg} > {log} 2>&1"


use rule train as train_seed with:
    output:
        checkpoint="results/runs/{source}/{run}/seed{k}/checkpoint.pt",
        summary="results/runs/{source}/{run}/seed{k}/train.json",
        config="results/runs/{source}/{run}/seed{k}/config.yaml",
        samples="results/runs/{source}/{run}/seed{k}/samples.png",
        log_csv="results/runs/{source}/{run}/seed{k}/log.csv",
    log:
        "logs/train/{source}/{run}/seed{k}.log",
    benchmark:
        "logs/benchmarks/train/{source}/{run}/seed{k}.tsv"
    params:
        out=subpath(output.checkpoint, parent=True),
        seed="--seed-index {k}",
        device=DEVICE,
        cfg=PARAMS_ARGS,
