#!/usr/bin/env bash
# `make install`: .venv with the locked dependencies, in seconds rather than a minute.
#
# uv installs requirements-dev.lock in about 5 s where pip takes 25-30 s on this 2-core
# machine (docs/performance.md, "Clone to demo"). uv comes from the PATH if it is there;
# otherwise the pinned uv is fetched from the package index into .venv/bin
# (scripts/fetch_uv.py, ~2 s; plain `pip install uv` of the base Python if that fails, ~4 s).
# If uv cannot be had or fails, pip installs the same lock as before. Either way only
# errors print: the index warnings some pip configurations emit per package stay hidden.
#
# The project itself is not installed: every entry point runs from the checkout
# (`python -m auth_server`, `-m scripts.demo`, pytest from the repository root), as in the
# image. An editable build cost ~2 s of setuptools per install and was never imported.
set -euo pipefail

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
LOCK=${LOCK:-requirements-dev.lock}
UV_VERSION=0.13.9 # the bootstrap pin; any uv on the PATH is used as it is

say() { printf 'install: %s\n' "$*"; }

with_pip() {
    if [[ ${INSTALL_WITH:-uv} == pip ]]; then
        say "pip installs $LOCK (INSTALL_WITH=pip)"
    else
        say "pip installs $LOCK (uv could not be had or failed; pip is slower)"
    fi
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -qq --upgrade pip
    "$VENV/bin/pip" install -qq -r "$LOCK"
}

find_uv() {
    if command -v uv >/dev/null 2>&1; then
        command -v uv
    elif [[ -x $VENV/bin/uv ]]; then
        echo "$VENV/bin/uv"
    elif "$PYTHON" scripts/fetch_uv.py "$UV_VERSION" "$VENV/bin" >&2; then
        echo "$VENV/bin/uv"
    elif "$PYTHON" -m pip --python "$VENV/bin/python" install -qq "uv==$UV_VERSION" >&2; then
        # `pip --python` (pip >= 22.3) installs into .venv without pip living in it.
        echo "$VENV/bin/uv"
    else
        return 1
    fi
}

with_uv() {
    [[ -x $VENV/bin/python ]] || "$PYTHON" -m venv --without-pip "$VENV" || return 1
    local uv version
    uv=$(find_uv) || return 1
    version=$("$uv" --version) || return 1
    say "${version% (*} installs $LOCK"
    # --compile-bytecode, as pip does: otherwise every process start of the first `make demo`
    # compiles Flask & co. again (always, where PYTHONDONTWRITEBYTECODE is set): 2x slower.
    "$uv" pip install -q --compile-bytecode --python "$VENV/bin/python" -r "$LOCK" || return 1
}

started=$SECONDS
if [[ ${INSTALL_WITH:-uv} == uv ]] && with_uv; then
    :
else
    with_pip
fi
# The project's own modules too, as --compile-bytecode does the dependencies': where
# PYTHONDONTWRITEBYTECODE is set, each process of `make demo` (services, CLI sessions, the
# narrator: about fourteen) otherwise compiled them again, ~0.15 s of CPU apiece (0.3 s here).
"$VENV/bin/python" -m compileall -q auth_server inventory_service order_service service_kit scripts
say "done in $((SECONDS - started)) s"
