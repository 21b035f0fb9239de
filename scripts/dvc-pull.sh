#!/usr/bin/env bash
# Fetch the recorded outputs (dvc pull: also after `git switch` or `git checkout` of another
# dvc.lock, in place of `dvc checkout`), then mark them up to date for Snakemake: DVC checkout
# does not keep file modification times, so without --touch Snakemake would retrain.
# The other way (Snakemake's outputs into dvc.lock): scripts/dvc-record.sh.
#   bash scripts/dvc-pull.sh                      # everything
#   bash scripts/dvc-pull.sh results/quick/runs/ding/gan/metrics.json   # Snakemake targets to mark
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
dvc pull --quiet
snakemake --touch --cores 1 --quiet "${@:-all}"
