# Datasets: downloaded (real) or built from packages (stand-ins), decoded once to uint8 arrays.


rule prepare_data:
    output:
        "results/data/{dataset}.npz",
    log:
        "logs/data/{dataset}.log",
    benchmark:
        "logs/benchmarks/data/{dataset}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    params:
        raw_dir="results/raw",
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro data prepare {wildcards.dataset} --out {output} {params.cfg}"
        " --raw-dir {params.raw_dir} > {log} 2>&1"
