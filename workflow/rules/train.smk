# Training: one job per run id {source}/{run} of params.yaml (adding a run adds a job).


def run_data(wildcards):
    """The prepared dataset a run trains on (its stand-in at quick scale)."""
    return f"results/data/{PARAMS.run(f'{wildcards.source}/{wildcards.run}').data}.npz"


rule train:
    input:
        data=run_data,
    output:
        checkpoint="results/runs/{source}/{run}/checkpoint.pt",
        summary="results/runs/{source}/{run}/train.json",
        samples="results/runs/{source}/{run}/samples.png",
        log_csv="results/runs/{source}/{run}/log.csv",
    log:
        "logs/train/{source}/{run}.log",
    benchmark:
        "logs/benchmarks/train/{source}/{run}.tsv"
    threads: 1
    params:
        out=subpath(output.checkpoint, parent=True),
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro train {wildcards.source}/{wildcards.run} --data {input.data}"
        " --out {params.out} --threads {threads} {params.cfg} > {log} 2>&1"
