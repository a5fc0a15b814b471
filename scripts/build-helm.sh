#!/usr/bin/env bash
# Builds the helm CLI the chart's tests run (helm lint, template, install, upgrade, rollback,
# uninstall) from its Go module and prints the binary's path on its last line.
#
# Cached outside the repo like the control plane (OTEL_TA_CACHE, default ~/.cache/otel-ta), keyed by
# version: a cold build takes minutes on 2 cores, a warm run only checks that the binary exists.
# Progress goes to stderr so callers can read the path from stdout. A failed build exits non-zero
# with go's output, so the suite fails instead of skipping the chart's tests.
set -euo pipefail

HELM_VERSION=v4.3.2

bin_dir="${OTEL_TA_CACHE:-$HOME/.cache/otel-ta}/helm/${HELM_VERSION}"
binary="$bin_dir/helm"

# Built, and reporting the version it was built as (an earlier build without the version stamp
# reported "v4.3" and is rebuilt: only the link step runs again, from go's build cache).
built() { [[ -x "$binary" && "$("$binary" version --template '{{.Version}}' 2>/dev/null)" == "$HELM_VERSION" ]]; }

# shellcheck source=lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache.sh"
use_cache_or_lock "$bin_dir" built "$binary"

# go install writes into a scratch dir and the binary is moved into place, so an interrupted build
# never leaves a half-written binary that the existence check above would take for a finished one.
scratch="$(mktemp -d "$bin_dir/.build.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
start=$SECONDS
echo "build-helm: building helm ${HELM_VERSION} from helm.sh/helm/v4 (cold: minutes on 2 cores)" >&2
# Without the stamp `helm version` reports the module's placeholder ("v4.3"), as helm's Makefile sets it.
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION}"
if ! CGO_ENABLED=0 GOBIN="$scratch" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v4/cmd/helm@${HELM_VERSION}" >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2
  echo "build-helm: the helm build failed (see above); the chart's tests need it" >&2
  exit 1
fi
mv "$scratch/helm" "$binary"
echo "build-helm: built in $((SECONDS - start))s" >&2
echo "$binary"
