# The comparative report across the five sources: the last rule of the DAG.


rule report:
    input:
        unpack(job_inputs(layout.REPORT)),
    output:
        report=report(
            layout.REPORT,
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
        **job_params(layout.REPORT),
    shell:
        "{params.cmd} > {log} 2>&1"
