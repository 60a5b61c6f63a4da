#!/usr/bin/env bash
# Set up and run the whole test suite (what .ci/run calls). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt

# Headless Chromium for the browser tests (Debian's package; Playwright never downloads one).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "Could not install Chromium; browser tests will be skipped."
fi
# Redis for the real-worker tests.
if command -v redis-server >/dev/null 2>&1 && ! (redis-cli -p 6379 ping >/dev/null 2>&1); then
  redis-server --daemonize yes --port 6379 --save "" >/dev/null || echo "Could not start Redis; worker tests will be skipped."
fi

export DJANGO_SETTINGS_MODULE=imagesearch.settings.test
.venv/bin/python -m ruff check --quiet .
# The dependency rules between apps and layers (.importlinter; ../shared/ARCHITECTURE.md).
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
