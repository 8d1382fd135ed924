#!/usr/bin/env bash
# Build the web console (ui/) into ui/dist, which `sluice api` serves: Node.js and npm from
# Debian's packages if absent, `npm ci` when package-lock.json changed, `npm run build` when
# a source changed (nothing to do otherwise).
set -euo pipefail
cd "$(dirname "$0")/../ui"

if ! command -v npm >/dev/null; then
  echo "installing Node.js and npm from Debian's packages (to build the console) …"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi

stamp=node_modules/.sluice-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "installing the console's npm packages (npm ci, pinned by ui/package-lock.json) …"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# src/api/schema.ts is generated from openapi.json by the build (and by `npm test`).
built=dist/index.html
if [ ! -f "$built" ] || [ -n "$(find index.html openapi.json package.json package-lock.json \
    tsconfig.json vite.config.ts src -newer "$built" ! -path src/api/schema.ts -print -quit)" ]; then
  echo "building the console (ui/dist) …"
  npm run --silent build -- --logLevel warn
fi
