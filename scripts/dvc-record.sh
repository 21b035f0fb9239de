#!/usr/bin/env bash
# Record a Snakemake run's outputs (made here or fetched from the cluster) into dvc.lock without
# re-running anything (dvc commit --force), then mark them up to date for Snakemake again: DVC
# gives the files new modification times when it moves them into its cache, and without --touch
# the next `snakemake` would plan every job again. Afterwards `dvc status` and `snakemake -n`
# both have nothing to do; commit dvc.lock and `dvc push`.
#   bash scripts/dvc-record.sh                            # the scale params.yaml names
#   bash scripts/dvc-record.sh --config scale=full        # (a dvc.yaml generated for full)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
dvc commit --force --quiet
snakemake --touch --cores 1 --quiet all "$@"
