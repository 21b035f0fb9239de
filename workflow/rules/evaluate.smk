# Evaluation: a domain classifier and reference statistics per dataset (computed once), then
# each run's metrics at its periodic checkpoints and at the end, and the sample arrays its
# figures draw (so the figure jobs need neither the checkpoint nor torch).


rule classifier:
    input:
        data="results/data/{dataset}.npz",
    output:
        "results/classifiers/{dataset}.pt",
    log:
        "logs/classifier/{dataset}.log",
    benchmark:
        "logs/benchmarks/classifier/{dataset}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    threads: RES["evaluate"].threads
    params:
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro classifier train --data {input.data} --out {output}"
        " --threads {threads} {params.cfg} > {log} 2>&1"


rule stats:
    input:
        data="results/data/{dataset}.npz",
        classifier="results/classifiers/{dataset}.pt",
    output:
        "results/stats/{dataset}.npz",
    log:
        "logs/stats/{dataset}.log",
    benchmark:
        "logs/benchmarks/stats/{dataset}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    threads: RES["evaluate"].threads
    resources:
        gpu=RES["evaluate"].gpu,
        mem_mb=RES["evaluate"].mem_mb,
        runtime=RES["evaluate"].runtime,
    params:
        device=DEVICE,
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro stats --data {input.data} --classifier {input.classifier} --out {output}"
        " --device {params.device} {params.cfg} > {log} 2>&1"


rule evaluate:
    input:
        unpack(eval_inputs),
        checkpoint="results/runs/{source}/{run}/checkpoint.pt",
        summary="results/runs/{source}/{run}/train.json",
    output:
        metrics="results/runs/{source}/{run}/metrics.json",
        samples="results/runs/{source}/{run}/samples.npz",
    log:
        "logs/evaluate/{source}/{run}.log",
    benchmark:
        "logs/benchmarks/evaluate/{source}/{run}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    threads: RES["evaluate"].threads
    resources:
        gpu=RES["evaluate"].gpu,
        mem_mb=RES["evaluate"].mem_mb,
        runtime=RES["evaluate"].runtime,
    params:
        run_dir=subpath(input.checkpoint, parent=True),
        device=DEVICE,
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro evaluate {wildcards.source}/{wildcards.run} --run-dir {params.run_dir}"
        " --stats {input.stats} --classifier {input.classifier} --out {output.metrics}"
        " --samples {output.samples}"
        " --device {params.device} --threads {threads} {params.cfg} > {log} 2>&1"


use rule evaluate as evaluate_seed with:
    input:
        unpack(eval_inputs),
        checkpoint="results/runs/{source}/{run}/seed{k}/checkpoint.pt",
        summary="results/runs/{source}/{run}/seed{k}/train.json",
    output:
        metrics="results/runs/{source}/{run}/seed{k}/metrics.json",
        samples="results/runs/{source}/{run}/seed{k}/samples.npz",
    log:
        "logs/evaluate/{source}/{run}/seed{k}.log",
    benchmark:
        "logs/benchmarks/evaluate/{source}/{run}/seed{k}.tsv"
