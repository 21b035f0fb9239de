# ganrepro: five GAN reports from raw data to figures, tables and a comparative report.
# This file is the table of contents; the rules live in workflow/rules/ by topic.
#
#   snakemake --cores all                  # the whole DAG (quick scale by default)
#   snakemake --cores all --config scale=full
#   snakemake --profile slurm all          # on a SLURM cluster


configfile: "params.yaml"


report: "report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        TREE.report,
