#!/usr/bin/env bash
# The README's first command: creates the virtual environment .venv (Debian and Ubuntu refuse
# global pip installs), installs prodcore into it and runs `prodcore demo` (arguments are
# passed on, e.g. --json). Set PYTHON to use another interpreter than python3.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

make_venv "${PYTHON:-python3}" .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/prodcore demo "$@"
