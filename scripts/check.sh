#!/usr/bin/env bash
# The README's test command. Builds .venv (see scripts/venv.sh for machines whose Python
# refuses global installs), then runs everything that must pass on the main interpreter
# (python3, or $PYTHON): ruff, mypy --strict, and pytest with branch coverage (tests,
# doctests of src/, docs/ and README.md, the strict docs build, the contract suites against
# every store) against a throwaway PostgreSQL server that scripts/pg_server.py starts and
# stops. Then it runs the pytest suite (no coverage, no PostgreSQL) on every other supported
# Python it finds installed, each in its own .venv-X.Y, and says which versions it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

# The Python versions the package supports: its classifiers (tests/test_packaging.py).
SUPPORTED="3.11 3.12 3.13"
MAIN_PYTHON=${PYTHON:-python3}

pip_install() { "$1/bin/python" -m pip install -q --disable-pip-version-check "${@:2}"; }
version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

# Headless Chromium renders the production documents in tests/documents (they skip
# without it). As root on Debian, install it; never fail the run when apt cannot.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
    echo "== installing chromium (tests/documents renders documents with it)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
        >/dev/null 2>&1 || echo "   (chromium could not be installed: those tests will skip)"
fi

make_venv "$MAIN_PYTHON" .venv
pip_install .venv --upgrade pip
pip_install .venv -e '.[dev]'
main_version=$(version_of .venv/bin/python)

echo "== ruff"
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest on Python $main_version (coverage, with a throwaway PostgreSQL)"
rm -f .coverage .coverage.*
PRODCORE_REQUIRE_PG=1 .venv/bin/python scripts/pg_server.py -- \
    .venv/bin/coverage run -m pytest -p no:cacheprovider "$@"
.venv/bin/coverage combine -q
.venv/bin/coverage report --precision=1 | tail -n 3

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

ran="$main_version (full)"
missing=""
for v in $SUPPORTED; do
    [ "$v" = "$main_version" ] && continue
    if ! py=$(find_python "$v"); then
        missing="$missing $v"
        continue
    fi
    echo "== pytest on Python $v ($py)"
    make_venv "$py" ".venv-$v"
    # the same extras as the main run, so every test (service, notebook, docs) runs here too
    pip_install ".venv-$v" -e '.[dev]'
    ".venv-$v/bin/python" -m pytest -q -p no:cacheprovider "$@"
    ran="$ran, $v (pytest)"
done
echo "== Python versions tested: $ran${missing:+; not found here:$missing}"
