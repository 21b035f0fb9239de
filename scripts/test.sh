#!/usr/bin/env bash
# The test command (README; called by .ci/run): set up .venv, lint, then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
# Headless Chromium renders the report in a test (Debian's package; needs root and apt).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the report test ..." >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
ruff check src tests benchmarks
ruff format --check src tests benchmarks
snakefmt --check Snakefile workflow/rules
ganrepro schema --check workflow/schemas/params.schema.json
python -m pytest "$@"
