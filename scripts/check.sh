#!/usr/bin/env bash
# The README's test command: builds .venv, then runs everything that must pass:
# ruff, mypy --strict, and pytest (tests, doctests of src/, docs/ and README.md, the
# contract suites against every store) with branch coverage, against a throwaway
# PostgreSQL server that scripts/pg_server.py starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

echo "== ruff"
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest (with a throwaway PostgreSQL)"
rm -f .coverage .coverage.*
export PRODCORE_REQUIRE_PG=1
.venv/bin/python scripts/pg_server.py -- .venv/bin/coverage run -m pytest -p no:cacheprovider "$@"
.venv/bin/coverage combine -q
.venv/bin/coverage report --precision=1 | tail -n 3
