#!/usr/bin/env bash
# Install what the tests need (Python packages, Debian's PostgreSQL and Prometheus), lint,
# type-check, build the docs (strict: a broken link fails), test.
# Extra args go to pytest, e.g. scripts/test.sh tests/api -x
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh local,test,docs

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "installing PostgreSQL from Debian's packages (the tests start their own server) …"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

if ! command -v prometheus >/dev/null; then
  echo "installing Prometheus from Debian's packages (the alert test starts its own server) …"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq prometheus >/dev/null
fi

if ! command -v prometheus-alertmanager >/dev/null; then
  echo "installing Alertmanager from Debian's packages (the alert tests start their own) …"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq prometheus-alertmanager >/dev/null
fi

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== docs"
site="$(mktemp -d)"
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir "$site" \
  || { rm -rf "$site"; exit 1; }
rm -rf "$site"
echo "== pytest"; exec .venv/bin/pytest "$@"
