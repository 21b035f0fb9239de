# The comparative report across the five sources: the last rule of the DAG.


rule report:
    input:
        metrics=run_outputs("metrics.json"),
        figures=ALL_FIGURES,
        tables=ALL_TABLES,
        deviations="report/deviations.yaml",
    output:
        report(
            "results/report/index.html",
            caption="../../report/captions/index.rst",
            category="Comparative report",
        ),
    log:
        "logs/report.log",
    benchmark:
        "logs/benchmarks/report.tsv"
    conda:
        "../envs/ganrepro.yaml"
    params:
        cfg=PARAMS_ARGS,
    shell:
        "ganrepro report --runs-dir results/runs --figures-dir results/figures"
        " --tables-dir results/tables --data-dir results/data --deviations {input.deviations}"
        " --out {output} {params.cfg} > {log} 2>&1"
