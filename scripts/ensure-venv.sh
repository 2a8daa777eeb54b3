#!/usr/bin/env bash
# Create .venv and install the pinned requirements; reinstall only when they change.
# Usage: scripts/ensure-venv.sh requirements.txt|requirements-dev.txt
set -euo pipefail

requirements=${1:-requirements.txt}
python=${PYTHON:-python3}
stamp=".venv/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)"

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
