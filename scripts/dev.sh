#!/usr/bin/env bash
# Install Sluice into .venv, build the console, and run the embedded stack: `sluice dev`
# (args are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh local
scripts/build-ui.sh
exec .venv/bin/sluice dev "$@"
