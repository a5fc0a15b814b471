#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need from the project's own
# files (Debian's prometheus, npm packages; cached outside the repo: the Go-built control plane and
# kubectl, helm, the OpenTelemetry Collector and prometheus-operator's CRDs), then runs lint, type
# check, unit, integration and end-to-end tests.
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
prometheus --version 2>&1 | sed -n 1p

step "npm ci"
npm ci --no-audit --no-fund

step "build"
npm run build

step "control plane (kube-apiserver, etcd, kubectl; cached)"
control_plane_bin="$(scripts/build-control-plane.sh | tail -n 1)"
# The tests drive this kubectl (built at the API server's version), not one the machine may have.
export PATH="$control_plane_bin:$PATH"
echo "kubectl: $(command -v kubectl)"; kubectl version --client | sed -n 1p

step "helm (Go module helm.sh/helm/v4; cached)"
# The real helm the chart's tests run (deploy/helm/otel-ta); a failed build stops the suite.
OTEL_TA_HELM_BIN="$(scripts/build-helm.sh | tail -n 1)"
export OTEL_TA_HELM_BIN
echo "helm: $OTEL_TA_HELM_BIN"

step "OpenTelemetry Collector (collector builder; cached)"
# The real collector the rebalancing and Prometheus CR tests run; a failed build stops the suite.
OTEL_TA_OTELCOL_BIN="$(scripts/build-otelcol.sh | tail -n 1)"
export OTEL_TA_OTELCOL_BIN
echo "otelcol: $OTEL_TA_OTELCOL_BIN"

step "prometheus-operator CRDs (Go module proxy; cached)"
OTEL_TA_PROMETHEUS_OPERATOR_CRDS="$(scripts/fetch-prometheus-operator-crds.sh | tail -n 1)"
export OTEL_TA_PROMETHEUS_OPERATOR_CRDS

step "lint, type check, unit and integration tests"
npm test

step "end-to-end tests"
npm run test:e2e

step "done"
