#!/usr/bin/env bash
# Create .venv and install the pinned requirements (again only when they changed).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="${1:-requirements.txt}"
python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtualenv in .venv"
  "$python_bin" -m venv .venv
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$requirements")"
if [ ! -f "$stamp" ]; then
  echo "Installing $requirements (first run takes a minute or two)"
  # torch first and alone, so that nothing pulls a CUDA build of it.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "$(grep -E '^torch==' requirements.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi
