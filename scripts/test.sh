#!/usr/bin/env bash
# Install what the tests need (Python packages; Debian's PostgreSQL, Prometheus, Alertmanager
# and Chromium), build the console, lint, type-check, build the docs (strict: a broken link
# fails), test (the console's unit tests with Vitest, then pytest).
# Extra args go to pytest, e.g. scripts/test.sh tests/api -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh local,test,docs

# Debian packages the tests run (each test starts its own server on loopback).
need() {  # need <command, or a path glob> <package> <what for>
  if [[ $1 == */* ]] && compgen -G "$1" >/dev/null; then return; fi
  if [[ $1 != */* ]] && command -v "$1" >/dev/null; then return; fi
  echo "installing $2 from Debian's packages ($3) …"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2" \
    >/dev/null
}
need "/usr/lib/postgresql/*/bin/initdb" postgresql "the tests start their own server"
need promtool prometheus "the alert tests start their own; config sync runs promtool"
need amtool prometheus-alertmanager "the alert tests start their own; config sync runs amtool"
need chromium chromium "the console's browser tests drive it"

echo "== console"; scripts/build-ui.sh
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== docs"
site="$(mktemp -d)"
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "$site" \
  || { rm -rf "$site"; exit 1; }
rm -rf "$site"
echo "== vitest"; npm --prefix ui test --silent
# Two workers, each with its own servers; a file's tests stay on one worker (they share its
# module fixtures). `scripts/test.sh -n 0 …` runs in this process, e.g. to use a debugger.
echo "== pytest"; exec .venv/bin/pytest -n 2 --dist loadfile "$@"
