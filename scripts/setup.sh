#!/usr/bin/env bash
# Sets PoAI up on a fresh machine: Debian's Chromium for the dApp's browser tests, then the
# exact dependency tree of package-lock.json. Safe to run again: it reinstalls only when the
# lockfile changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium for the dApp's browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

stamp="node_modules/.poai-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup: node_modules matches package-lock.json"
else
  echo "setup: npm ci (better-sqlite3 builds from source: about 2 minutes)"
  # onnxruntime-node's install script downloads CUDA binaries and fails offline; npm 11 skips it
  # through package.json "allowScripts", npm 10 through this variable. The CPU binaries ship
  # inside the package.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
npx hardhat compile --quiet
echo "setup: ready"
