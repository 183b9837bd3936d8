#!/usr/bin/env bash
# `make node-oidc`: node-oidc-provider, pinned by tests/support/node_oidc/package-lock.json,
# into tests/support/node_oidc/node_modules (git-ignored) for the tests' second AS.
#
# Node.js 18 or newer is needed (oidc-provider 8.x supports the 18/20/22 LTS lines). Where
# node or npm is missing, Debian's packages are installed (`apt-get install nodejs npm`) when
# this runs as root or with sudo; elsewhere the message says what to install.
set -euo pipefail

DIR=${1:-tests/support/node_oidc}
say() { printf 'node-oidc: %s\n' "$*"; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null; then
        SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
        say "installing Debian's nodejs and npm"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
    else
        say "Node.js 18+ and npm are needed for the tests' second authorization server"
        exit 1
    fi
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if (( major < 18 )); then
    say "Node.js 18+ is needed, found $(node --version)"
    exit 1
fi
npm ci --prefix "$DIR" --no-audit --no-fund --loglevel=error
say "oidc-provider $(node -p "require('./$DIR/node_modules/oidc-provider/package.json').version") on Node $(node --version)"
