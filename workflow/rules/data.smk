# Datasets: downloaded (real) or built from packages (stand-ins), decoded once to uint8 arrays.

DATA = TREE.data("{dataset}")


rule prepare_data:
    input:
        unpack(job_inputs(DATA)),
    output:
        data=DATA,
    log:
        TREE.log("data/{dataset}.log"),
    benchmark:
        TREE.log("benchmarks/data/{dataset}.tsv")
    conda:
        "../envs/ganrepro.yaml"
    params:
        **job_params(DATA),
    shell:
        "{params.cmd} > {log} 2>&1"


if PARAMS.rehearsal:

    # The full-scale rehearsal's inputs: the real datasets' archives in their real formats
    # (synthetic images; prepare_data serves them on 127.0.0.1 to the real download code), and
    # Inception weights in torch-fidelity's format with random values. Both run where the
    # workflow runs (the login node on a cluster).
    localrules:
        rehearsal_archives,
        rehearsal_inception,

    rule rehearsal_archives:
        input:
            unpack(job_inputs(TREE.archives("{dataset}"))),
        output:
            archives=directory(TREE.archives("{dataset}")),
        log:
            TREE.log("rehearsal_archives/{dataset}.log"),
        benchmark:
            TREE.log("benchmarks/rehearsal_archives/{dataset}.tsv")
        params:
            **job_params(TREE.archives("{dataset}")),
        shell:
            "{params.cmd} > {log} 2>&1"

    rule rehearsal_inception:
        input:
            unpack(job_inputs(TREE.inception)),
        output:
            weights=TREE.inception,
        log:
            TREE.log("rehearsal_inception.log"),
        benchmark:
            TREE.log("benchmarks/rehearsal_inception.tsv")
        params:
            **job_params(TREE.inception),
        shell:
            "{params.cmd} > {log} 2>&1"


# Everything the jobs need from outside, fetched where the workflow runs (the login node on a
# cluster), so that every submitted job runs offline: `snakemake --cores 1 assets --config
# scale=full [mirror=URL_OR_FOLDER]`. The Inception weights were checked when the workflow
# loaded (ganrepro.assets); prepare_data is a local rule.
rule assets:
    input:
        [j.outputs["data"] for j in JOBS.jobs.values() if j.rule == "prepare_data"],
        [TREE.inception] if PARAMS.rehearsal else [],
