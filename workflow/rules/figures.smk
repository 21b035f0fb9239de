# Each source's figures and tables (src/ganrepro/outputs/catalog.py): one job per file, with
# exactly the files its kind reads as inputs, so one figure builds only what it needs.

FIGURE = TREE.figure("{source}", "{name}")
TABLE = TREE.table("{source}", "{name}")


rule figure:
    input:
        unpack(job_inputs(FIGURE)),
    output:
        out=report(
            FIGURE,
            caption="../../report/captions/figure.rst",
            category="{source}",
            subcategory="figures",
        ),
    log:
        TREE.log("figures/{source}/{name}.log"),
    benchmark:
        TREE.log("benchmarks/figures/{source}/{name}.tsv")
    wildcard_constraints:
        name=catalog.name_pattern(catalog.FIGURES),
    conda:
        "../envs/ganrepro.yaml"
    params:
        **job_params(FIGURE),
    shell:
        "{params.cmd} > {log} 2>&1"


rule table:
    input:
        unpack(job_inputs(TABLE)),
    output:
        out=report(
            TABLE,
            caption="../../report/captions/table.rst",
            category="{source}",
            subcategory="tables",
        ),
        md=TREE.table_md("{source}", "{name}"),
    log:
        TREE.log("tables/{source}/{name}.log"),
    benchmark:
        TREE.log("benchmarks/tables/{source}/{name}.tsv")
    wildcard_constraints:
        name=catalog.name_pattern(catalog.TABLES),
    conda:
        "../envs/ganrepro.yaml"
    params:
        **job_params(TABLE),
    shell:
        "{params.cmd} > {log} 2>&1"


# One target per source: its figures and tables (`snakemake --cores all frank`).
for _source in PARAMS.sources:

    rule:
        name:
            _source
        input:
            source_outputs(_source),
