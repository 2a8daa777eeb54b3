#!/usr/bin/env bash
# Install what `make bench` needs on top of the test tools: the wrk load generator.
# Without root it only says what is missing; the dashboard benchmark then falls back to its
# own Python load generator and says so in docs/performance.md.
set -euo pipefail

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages for the benchmarks: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  echo "(continuing: the benchmarks use a slower Python load generator instead)" >&2
  exit 0
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
