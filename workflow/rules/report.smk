# The comparative report across the five sources: the last rule of the DAG.


rule report:
    input:
        unpack(job_inputs(TREE.report)),
    output:
        report=report(
            TREE.report,
            caption="../../report/captions/index.rst",
            category="Comparative report",
        ),
    log:
        TREE.log("report.log"),
    benchmark:
        TREE.log("benchmarks/report.tsv")
    conda:
        "../envs/ganrepro.yaml"
    params:
        **job_params(TREE.report),
    shell:
        "{params.cmd} > {log} 2>&1"
