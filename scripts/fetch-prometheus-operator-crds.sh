#!/usr/bin/env bash
# Fetches prometheus-operator's own CRDs (ServiceMonitor, PodMonitor, ScrapeConfig, Probe) for the
# end-to-end tests and prints the directory holding them on its last line.
#
# Why from the Go module proxy: the tests must meet monitors as a real cluster's CRD schema accepts
# or rejects them, not hand-written copies; the module at a fixed version is verified against the Go
# checksum database, and `example/prometheus-operator-crd/` holds the files the operator's own
# bundle is made from. Cached outside the repo like the control plane (OTEL_TA_CACHE, default
# ~/.cache/otel-ta), keyed by version. Progress goes to stderr.
set -euo pipefail

VERSION=v0.85.0
MODULE=github.com/prometheus-operator/prometheus-operator
KINDS=(servicemonitors podmonitors scrapeconfigs probes)

dir="${OTEL_TA_CACHE:-$HOME/.cache/otel-ta}/prometheus-operator-crds/${VERSION}"

fetched() {
  local kind
  for kind in "${KINDS[@]}"; do
    [[ -s "$dir/monitoring.coreos.com_${kind}.yaml" ]] || return 1
  done
}

# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
use_cache_or_lock "$dir" fetched "$dir"

echo "fetch-prometheus-operator-crds: downloading ${MODULE}@${VERSION}" >&2
# Run in the cache dir, which has no go.mod: `go mod download` then fetches into the module cache
# and prints the module's directory there ("Dir").
module_dir="$(cd "$dir" && go mod download -json "${MODULE}@${VERSION}" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [[ -z "$module_dir" || ! -d "$module_dir/example/prometheus-operator-crd" ]]; then
  echo "fetch-prometheus-operator-crds: go mod download gave no module directory" >&2
  exit 1
fi
# Copy through a temporary name so an interrupted run never leaves a half-written file behind.
for kind in "${KINDS[@]}"; do
  file="monitoring.coreos.com_${kind}.yaml"
  cp "$module_dir/example/prometheus-operator-crd/$file" "$dir/.$file.tmp"
  chmod 644 "$dir/.$file.tmp"
  mv "$dir/.$file.tmp" "$dir/$file"
done
echo "$dir"
