#!/usr/bin/env bash
# Install Sluice into .venv and run the embedded stack: `sluice dev` (args are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh local
exec .venv/bin/sluice dev "$@"
