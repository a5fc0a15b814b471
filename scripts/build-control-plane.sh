#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl for the end-to-end tests from the Go modules in
# test/controlplane/ (versions in test/controlplane/versions.env) and prints the directory holding
# them on its last line.
#
# Why a cache outside the repo: a cold build takes minutes on 2 cores; keyed by version, a warm run
# only checks that the binaries exist. OTEL_TA_CACHE moves the cache (default ~/.cache/otel-ta).
# Progress goes to stderr so callers can read the bin dir from stdout.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/test/controlplane"
# shellcheck source=../test/controlplane/versions.env
source "$src/versions.env"

bin_dir="${OTEL_TA_CACHE:-$HOME/.cache/otel-ta}/controlplane/${K8S_VERSION}-${ETCD_VERSION}"

built() { [[ -x "$bin_dir/kube-apiserver" && -x "$bin_dir/etcd" && -x "$bin_dir/kubectl" ]]; }

# shellcheck source=lib/cache.sh
source "$repo/scripts/lib/cache.sh"
use_cache_or_lock "$bin_dir" built "$bin_dir"

# Binaries are linked into a scratch dir and moved into place, so an interrupted build never leaves
# a half-written binary that the existence check above would take for a finished one.
scratch="$(mktemp -d "$bin_dir/.build.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

minor="${K8S_VERSION#v1.}"
minor="${minor%%.*}"
# Without these /version reports v0.0.0 and kubectl warns about version skew.
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=${K8S_VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor}"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean"
done

export CGO_ENABLED=0

start=$SECONDS
if [[ ! -x "$bin_dir/etcd" ]]; then
  echo "build-control-plane: building etcd ${ETCD_VERSION}" >&2
  (cd "$src/etcd" && go build -trimpath -ldflags "-s -w" -o "$scratch/etcd" go.etcd.io/etcd/server/v3)
  mv "$scratch/etcd" "$bin_dir/etcd"
fi
if [[ ! -x "$bin_dir/kube-apiserver" ]]; then
  echo "build-control-plane: building kube-apiserver ${K8S_VERSION}" >&2
  (cd "$src" && go build -trimpath -ldflags "$k8s_ldflags" -o "$scratch/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$scratch/kube-apiserver" "$bin_dir/kube-apiserver"
fi
# kubectl as the tests drive it, at the API server's version: never whatever the machine has.
if [[ ! -x "$bin_dir/kubectl" ]]; then
  echo "build-control-plane: building kubectl ${K8S_VERSION}" >&2
  (cd "$src" && go build -trimpath -ldflags "$k8s_ldflags" -o "$scratch/kubectl" k8s.io/kubernetes/cmd/kubectl)
  mv "$scratch/kubectl" "$bin_dir/kubectl"
fi
echo "build-control-plane: built in $((SECONDS - start))s" >&2
echo "$bin_dir"
