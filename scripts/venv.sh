# Sourced by demo.sh and check.sh: `make_venv PYTHON DIR` creates a virtual environment with
# pip in DIR (or keeps a working one), because Debian and Ubuntu refuse `pip install` into
# their own Python ("externally-managed-environment").
#
# Debian ships `python3 -m venv` without ensurepip unless the python3-venv package is
# installed, so when plain venv fails this falls back, in order, to: virtualenv; a venv
# without pip that the system's pip (22.3 or newer, `pip --python`) fills; and, as root
# with apt-get, installing the missing pythonX.Y-venv package.

make_venv() {
    local py=$1 dir=$2
    if "$dir/bin/python" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$dir"
    if "$py" -m venv "$dir" >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$dir"
    if "$py" -m virtualenv -q "$dir" >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$dir"
    if "$py" -m pip --version >/dev/null 2>&1 && "$py" -m venv --without-pip "$dir" >/dev/null 2>&1 &&
        "$py" -m pip --python "$dir/bin/python" install -q --disable-pip-version-check pip >/dev/null 2>&1; then
        echo "(venv: $py has no ensurepip; pip was installed into $dir by the system's pip)" >&2
        return 0
    fi
    rm -rf "$dir"
    local pkg
    pkg="python$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "(venv: installing Debian's $pkg, which $py needs for venv)" >&2
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1; then
            apt-get update -qq >/dev/null 2>&1 || true
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
        fi
        if "$py" -m venv "$dir"; then
            return 0
        fi
    fi
    echo "error: cannot create a virtual environment with $py." >&2
    echo "Install the venv module (Debian/Ubuntu: sudo apt-get install $pkg) and retry." >&2
    return 1
}
