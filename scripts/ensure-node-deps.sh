#!/usr/bin/env bash
# Install the browser tests' JavaScript (axe-core) from the npm registry, exactly as locked in
# tests/browser/package-lock.json, only when it is missing or the lock file changed since.
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"

installed=node_modules/.package-lock.json
if [ -f node_modules/axe-core/axe.min.js ] && [ -f "$installed" ] \
  && [ ! package-lock.json -nt "$installed" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: the browser tests need Node.js and npm to install axe-core." >&2
  exit 1
fi
echo "Installing the browser tests' npm packages (tests/browser/package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error
