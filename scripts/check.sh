#!/usr/bin/env bash
# The README's test command. Builds .venv (see scripts/venv.sh for machines whose Python
# refuses global installs), then runs everything that must pass on the main interpreter
# (python3, or $PYTHON): ruff, mypy --strict, and pytest with branch coverage (tests,
# doctests of src/, docs/ and README.md, the strict docs build, the contract suites against
# every store) against a throwaway PostgreSQL server that scripts/pg_server.py starts and
# stops. Then it runs the pytest suite (no coverage, no PostgreSQL) on every other supported
# Python it finds installed, each in its own .venv-X.Y, and says which versions it ran.
#
# Speed (the whole run stays well inside CI's limit on a 2-core machine): pytest runs on
# every core with pytest-xdist (PRODCORE_TEST_WORKERS sets the number; each worker gets a
# PostgreSQL database of its own, tests/conftest.py), and the other Pythons' environments
# are installed in the background while the main interpreter's checks run. Each phase
# header gives the seconds since the start.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

# The Python versions the package supports: its classifiers (tests/test_packaging.py).
SUPPORTED="3.11 3.12 3.13"
MAIN_PYTHON=${PYTHON:-python3}

# one worker per core, at most 4: more would crowd the PostgreSQL server's connections
# (each worker's concurrency tests open several) for little gain
WORKERS=${PRODCORE_TEST_WORKERS:-$("$MAIN_PYTHON" -c \
    'import os; print(min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))')}

pip_install() { "$1/bin/python" -m pip install -q --disable-pip-version-check "${@:2}"; }
version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }
phase() { echo "== $* [${SECONDS}s]"; }

# Headless Chromium renders the production documents in tests/documents (they skip
# without it). As root on Debian, install it; never fail the run when apt cannot.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (tests/documents renders documents with it)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
        >/dev/null 2>&1 || echo "   (chromium could not be installed: those tests will skip)"
fi

# An interpreter for version $1: on PATH (a pyenv shim only answers when that version is
# selected, hence the check that it runs), else in pyenv's versions folder.
find_python() {
    local v=$1 candidate
    for candidate in "python$v" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/"python$v" \
        /usr/local/bin/"python$v" /usr/bin/"python$v"; do
        if command -v "$candidate" >/dev/null 2>&1 && [ "$(version_of "$candidate" 2>/dev/null)" = "$v" ]; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Without bytecode files every xdist worker and every CLI subprocess a test starts would
# compile the package and the tests again (a few seconds of CPU each).
unset PYTHONDONTWRITEBYTECODE

phase "environments"
make_venv "$MAIN_PYTHON" .venv
pip_install .venv --upgrade pip
pip_install .venv -e '.[dev]'
main_version=$(version_of .venv/bin/python)

# The other Pythons' environments (the same extras as the main run, so every test -
# service, notebook, docs - runs there too) install in the background while the main
# checks run (after the main install, which they would slow), each logging to
# install.log in it; their pytest runs come last.
others=""
missing=""
declare -A installing=()
trap 'for pid in "${installing[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
for v in $SUPPORTED; do
    [ "$v" = "$main_version" ] && continue
    if ! py=$(find_python "$v"); then
        missing="$missing $v"
        continue
    fi
    make_venv "$py" ".venv-$v"
    echo "   Python $v ($py): installing into .venv-$v in the background"
    pip_install ".venv-$v" -e '.[dev]' >".venv-$v/install.log" 2>&1 &
    installing[$v]=$!
    others="$others $v"
done

phase "ruff"
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
phase "mypy --strict"
.venv/bin/mypy
phase "pytest on Python $main_version (coverage, with a throwaway PostgreSQL, $WORKERS workers)"
rm -f .coverage .coverage.*
# coverage measures the xdist workers too (patch = subprocess in pyproject.toml); an
# absolute data file keeps the data of those that run elsewhere
COVERAGE_FILE="$PWD/.coverage" PRODCORE_REQUIRE_PG=1 .venv/bin/python scripts/pg_server.py -- \
    .venv/bin/coverage run -m pytest -p no:cacheprovider -n "$WORKERS" "$@"
.venv/bin/coverage combine -q
.venv/bin/coverage report --precision=1 | tail -n 3

ran="$main_version (full)"
for v in $others; do
    if ! wait "${installing[$v]}"; then
        cat ".venv-$v/install.log" >&2
        echo "error: installing into .venv-$v failed (its log is above)" >&2
        exit 1
    fi
    unset "installing[$v]"
    phase "pytest on Python $v ($WORKERS workers)"
    ".venv-$v/bin/python" -m pytest -q -p no:cacheprovider -n "$WORKERS" "$@"
    ran="$ran, $v (pytest)"
done
phase "Python versions tested: $ran${missing:+; not found here:$missing}"
