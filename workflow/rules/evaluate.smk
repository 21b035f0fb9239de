# Evaluation: a domain classifier and reference statistics per dataset (computed once), then
# each run's metrics at its periodic checkpoints and at the end, and the sample arrays its
# figures draw, one file per part (so the figure jobs need neither the checkpoint nor torch).

CLASSIFIER = TREE.classifier("{dataset}")
STATS = TREE.stats("{dataset}")
EVALUATE = TREE.run_file("{source}/{run}", 0, "metrics")
EVALUATE_SEED = TREE.run_file("{source}/{run}", "{k}", "metrics")
VISUALS = TREE.part_file("{source}/{run}", "{part}")


rule classifier:
    input:
        unpack(job_inputs(CLASSIFIER)),
    output:
        classifier=CLASSIFIER,
    log:
        TREE.log("classifier/{dataset}.log"),
    benchmark:
        TREE.log("benchmarks/classifier/{dataset}.tsv")
    conda:
        "../envs/ganrepro.yaml"
    threads: THREADS["evaluate"]
    resources:
        **job_resources(CLASSIFIER),
    params:
        **job_params(CLASSIFIER),
    shell:
        "{params.cmd} --threads {threads} > {log} 2>&1"


rule stats:
    input:
        unpack(job_inputs(STATS)),
    output:
        stats=STATS,
    log:
        TREE.log("stats/{dataset}.log"),
    benchmark:
        TREE.log("benchmarks/stats/{dataset}.tsv")
    conda:
        "../envs/ganrepro.yaml"
    threads: THREADS["evaluate"]
    resources:
        **job_resources(STATS),
    params:
        **job_params(STATS),
        device=DEVICE,
    shell:
        "{params.cmd} --device {params.device} --threads {threads} > {log} 2>&1"


rule evaluate:
    input:
        unpack(job_inputs(EVALUATE)),
    output:
        metrics=EVALUATE,
    log:
        TREE.log("evaluate/{source}/{run}.log"),
    benchmark:
        TREE.log("benchmarks/evaluate/{source}/{run}.tsv")
    conda:
        "../envs/ganrepro.yaml"
    threads: THREADS["evaluate"]
    resources:
        **job_resources(EVALUATE),
    params:
        **job_params(EVALUATE),
        device=DEVICE,
    shell:
        "{params.cmd} --device {params.device} --threads {threads} > {log} 2>&1"


use rule evaluate as evaluate_seed with:
    input:
        unpack(job_inputs(EVALUATE_SEED)),
    output:
        metrics=EVALUATE_SEED,
    log:
        TREE.log("evaluate/{source}/{run}/seed{k}.log"),
    benchmark:
        TREE.log("benchmarks/evaluate/{source}/{run}/seed{k}.tsv")
    resources:
        **job_resources(EVALUATE_SEED),
    params:
        **job_params(EVALUATE_SEED),
        device=DEVICE,


rule visuals:
    input:
        unpack(job_inputs(VISUALS)),
    output:
        out=VISUALS,
    log:
        TREE.log("visuals/{source}/{run}/{part}.log"),
    benchmark:
        TREE.log("benchmarks/visuals/{source}/{run}/{part}.tsv")
    conda:
        "../envs/ganrepro.yaml"
    threads: THREADS["evaluate"]
    resources:
        **job_resources(VISUALS),
    params:
        **job_params(VISUALS),
        device=DEVICE,
    shell:
        "{params.cmd} --device {params.device} --threads {threads} > {log} 2>&1"
