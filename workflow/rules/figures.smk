# Each source's figures and tables (src/ganrepro/outputs/catalog.py): one job per file, with
# only the inputs its kind reads, so one figure builds only what it needs.


rule figure:
    input:
        unpack(output_inputs("figure")),
    output:
        report(
            "results/figures/{source}/{name}.png",
            caption="../../report/captions/figure.rst",
            category="{source}",
            subcategory="figures",
        ),
    log:
        "logs/figures/{source}/{name}.log",
    benchmark:
        "logs/benchmarks/figures/{source}/{name}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    params:
        extra=lambda wildcards, input: optional(input, "data", "--data"),
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro figure {wildcards.source}/{wildcards.name} --runs-dir results/runs"
        " --out {output} {params.extra} {params.cfg} > {log} 2>&1"


rule table:
    input:
        unpack(output_inputs("table")),
    output:
        csv=report(
            "results/tables/{source}/{name}.csv",
            caption="../../report/captions/table.rst",
            category="{source}",
            subcategory="tables",
        ),
        md="results/tables/{source}/{name}.md",
    log:
        "logs/tables/{source}/{name}.log",
    benchmark:
        "logs/benchmarks/tables/{source}/{name}.tsv"
    conda:
        "../envs/ganrepro.yaml"
    params:
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro table {wildcards.source}/{wildcards.name} --runs-dir results/runs"
        " --out {output.csv} {params.cfg} > {log} 2>&1"
