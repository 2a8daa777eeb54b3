#!/usr/bin/env bash
# Install the Debian packages foiatrack needs, only when something is missing.
# Usage: scripts/ensure-system.sh run|test
set -euo pipefail

purpose=${1:-run}
# Packages the app itself needs at run time.
run_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-wqy-microhei
  tesseract-ocr tesseract-ocr-eng)
# Packages only the test suite needs (servers and tools the tests start).
test_packages=(dovecot-imapd chromium)

missing=()
if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
fi
wanted=(${run_packages[@]+"${run_packages[@]}"})
if [ "$purpose" = test ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)  # axe-core for the browser tests' accessibility checks
fi
if [ "$purpose" = test ]; then
  wanted+=(${test_packages[@]+"${test_packages[@]}"})
fi
for package in ${wanted[@]+"${wanted[@]}"}; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
