# ganrepro: five GAN reports from raw data to figures, tables and a comparative report.
# This file is the table of contents; the rules live in workflow/rules/ by topic.
#
#   snakemake --cores all                  # the whole DAG (quick scale by default)
#   snakemake --cores all --config scale=full
#   snakemake --profile slurm all          # on a SLURM cluster


configfile: "params.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        run_outputs("metrics.json"),
        [
            f"results/figures/{source}/{name}.png"
            for source, figures in catalog.FIGURES.items()
            for name in figures
        ],
        [
            f"results/tables/{source}/{name}.md"
            for source, tables in catalog.TABLES.items()
            for name in tables
        ],
