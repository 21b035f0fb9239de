#!/usr/bin/env bash
# Create or reuse .venv and install the project from its own files (idempotent).
# Sourced by scripts/quick.sh and scripts/test.sh; re-installs only when pyproject.toml or
# requirements.lock changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null 2>&1 || py=python3
if ! "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "ganrepro needs Python 3.11 (torch 2.14.1 wheels); found $("$py" --version 2>&1)" >&2
  exit 2
fi
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
stamp="$venv/.ganrepro-installed"
want="$(cat "$root/pyproject.toml" "$root/requirements.lock" | sha256sum | cut -c1-16)"
# GANREPRO_NO_INSTALL=1: use .venv as it is (the tests run the scripts with their own env)
if [ -z "${GANREPRO_NO_INSTALL:-}" ] && [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing ganrepro and its pinned dependencies into $venv ..." >&2
  "$venv/bin/python" -m pip install --quiet --upgrade "pip>=24"
  "$venv/bin/python" -m pip install --quiet -c "$root/requirements.lock" -e "$root[dev]"
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
export VIRTUAL_ENV="$venv"
