#!/usr/bin/env bash
# Set up and run the slower suites left out of the default run: faults (killed worker, broker
# and database outages, corrupt files), and load and fuzz runs (marker `slow`).
# Extra arguments go to pytest, e.g. `bash scripts/test_slow.sh -k broker -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt

# Redis for the real-worker tests (the fault tests also start private redis-servers of their own).
if command -v redis-server >/dev/null 2>&1 && ! (redis-cli -p 6379 ping >/dev/null 2>&1); then
  redis-server --daemonize yes --port 6379 --save "" >/dev/null || echo "Could not start Redis; worker tests will be skipped."
fi

export DJANGO_SETTINGS_MODULE=imagesearch.settings.test
exec .venv/bin/python -m pytest -m "faults or slow" "$@"
