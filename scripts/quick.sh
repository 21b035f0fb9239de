#!/usr/bin/env bash
# The main job (README): set up .venv, then run the whole DAG at quick scale, offline, locally.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
exec snakemake --cores all "$@"
