#!/usr/bin/env bash
# Set up and run the app: embedded PostgreSQL + pgvector, web server and worker, on http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-imagesearch.settings.dev}"
exec .venv/bin/python manage.py serve "$@"
