#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need from the project's own
# files (Debian's prometheus, npm packages, the Go-built control plane cached outside the repo),
# then runs lint, type check, unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "system packages"
if ! command -v prometheus >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y prometheus >/dev/null || {
    $SUDO apt-get update >/dev/null && $SUDO apt-get install -y prometheus >/dev/null
  }
fi
prometheus --version 2>&1 | head -1

step "npm ci"
npm ci --no-audit --no-fund

step "build"
npm run build

if [ -x scripts/build-control-plane.sh ]; then
  step "control plane (kube-apiserver, etcd; cached)"
  scripts/build-control-plane.sh
fi

step "lint, type check, unit and integration tests"
npm test

step "end-to-end tests"
npm run test:e2e

step "done"
