#!/usr/bin/env bash
# Builds the OpenTelemetry Collector that the end-to-end tests run (test/otelcol/builder-config.yaml)
# with the collector builder, and prints the binary's path on its last line.
#
# Cached outside the repo like the control plane (OTEL_TA_CACHE, default ~/.cache/otel-ta), keyed by
# the builder version and a hash of the builder config: a cold build takes about 9 minutes on 2 cores,
# a warm run only checks that the binary exists. Progress goes to stderr. A failed build exits non-zero
# with the builder's output, so the suite fails instead of skipping the tests that need the collector.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="$repo/test/otelcol/builder-config.yaml"
BUILDER_VERSION=v0.165.0

config_hash="$(sha256sum "$config" | cut -c1-12)"
cache="${OTEL_TA_CACHE:-$HOME/.cache/otel-ta}/otelcol"
bin_dir="$cache/${BUILDER_VERSION}-${config_hash}"
binary="$bin_dir/otelcol-otel-ta"

built() { [[ -x "$binary" ]]; }
# shellcheck source=lib/cache.sh
source "$repo/scripts/lib/cache.sh"
use_cache_or_lock "$bin_dir" built "$binary"

scratch="$(mktemp -d "$bin_dir/.build.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
start=$SECONDS

builder_dir="$cache/builder-${BUILDER_VERSION}"
if [[ ! -x "$builder_dir/builder" ]]; then
  echo "build-otelcol: installing the collector builder ${BUILDER_VERSION}" >&2
  GOBIN="$builder_dir" go install "go.opentelemetry.io/collector/cmd/builder@${BUILDER_VERSION}" >&2
fi

# The builder writes its generated sources and the binary under dist.output_path.
sed "s|^dist:|dist:\n  output_path: $scratch/dist|" "$config" >"$scratch/builder-config.yaml"
echo "build-otelcol: building the collector (cold: about 9 minutes on 2 cores)" >&2
if ! CGO_ENABLED=0 "$builder_dir/builder" --config "$scratch/builder-config.yaml" >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  echo "build-otelcol: the collector build failed (see above); the tests that run the real collector need it" >&2
  exit 1
fi
mv "$scratch/dist/otelcol-otel-ta" "$binary"
echo "build-otelcol: built in $((SECONDS - start))s" >&2
echo "$binary"
