#!/usr/bin/env bash
# Make sure the local PostgreSQL the test suite uses is running (it usually already is).
set -euo pipefail

reachable() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

if reachable; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    reachable && exit 0
    sleep 0.5
  done
fi
echo "PostgreSQL is not reachable at 127.0.0.1:5432; the PostgreSQL run of the suite will say so." >&2
