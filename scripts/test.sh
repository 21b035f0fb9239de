#!/usr/bin/env bash
# The test command (README; called by .ci/run): set up .venv, lint, then run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
# Debian packages some tests need (installed when missing; needs root and apt):
# headless Chromium renders the report in a test; dataset-fashion-mnist ships real archives in
# MNIST's format (/usr/share/datasets/fashion-mnist) for tests/data/test_fashion_mnist.py.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || missing+=(dataset-fashion-mnist)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${missing[*]} for the tests ..." >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
ruff check src tests benchmarks
ruff format --check src tests benchmarks
snakefmt --check Snakefile workflow/rules
ganrepro schema --check workflow/schemas/params.schema.json
python -m pytest "$@"
