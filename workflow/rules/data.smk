# Datasets: downloaded (real) or built from packages (stand-ins), decoded once to uint8 arrays.

DATA = layout.data("{dataset}")


rule prepare_data:
    input:
        unpack(job_inputs(DATA)),
    output:
        data=DATA,
    log:
        "logs/data/{dataset}.log",
    benchmark:
        "logs/benchmarks/data/{dataset}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    params:
        **job_params(DATA),
    shell:
        "{params.cmd} > {log} 2>&1"
