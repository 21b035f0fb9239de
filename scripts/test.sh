#!/usr/bin/env bash
# The test command (README; called by .ci/run): set up .venv, lint, then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ruff check src tests benchmarks
ruff format --check src tests benchmarks
snakefmt --check Snakefile workflow/rules
ganrepro schema --check workflow/schemas/params.schema.json
python -m pytest "$@"
