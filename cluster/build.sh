#!/usr/bin/env bash
# Build the local control plane binaries from upstream Go modules.
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (cluster/go.mod)
#   kwok                                                                     (cluster/kwok/go.mod)
# Idempotent: a binary is rebuilt only when it is missing or older than the
# go.mod/go.sum that pins it (or this script).  FORCE=1 rebuilds everything.
# Output: cluster/_output/bin (override with KUBESIM_BIN_DIR).
set -euo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${CLUSTER_DIR}/lib.sh"

mkdir -p "${BIN_DIR}"
export CGO_ENABLED="${CGO_ENABLED:-0}"
GOFLAGS_BUILD=(-trimpath "-ldflags=-s -w")
NICE=(nice -n 10)

total_start=$(date +%s)
built=()
skipped=()

# needs_build BINARY DEP...
needs_build() {
  local bin="$1"; shift
  [[ "${FORCE:-0}" == 1 ]] && return 0
  [[ -x "${bin}" ]] || return 0
  local dep
  for dep in "$@"; do
    [[ "${dep}" -nt "${bin}" ]] && return 0
  done
  return 1
}

# build_one NAME MODULE_DIR PACKAGE
build_one() {
  local name="$1" moddir="$2" pkg="$3"
  local out="${BIN_DIR}/${name}"
  if needs_build "${out}" "${moddir}/go.mod" "${moddir}/go.sum" "${CLUSTER_DIR}/build.sh"; then
    local t0; t0=$(date +%s)
    echo "==> building ${name} (${pkg})"
    (cd "${moddir}" && "${NICE[@]}" go build "${GOFLAGS_BUILD[@]}" -o "${out}.tmp" "${pkg}")
    mv -f "${out}.tmp" "${out}"
    echo "    ${name}: $(( $(date +%s) - t0 ))s, $(du -h "${out}" | cut -f1)"
    built+=("${name}")
  else
    skipped+=("${name}")
  fi
}

only="${1:-all}"
want() { [[ "${only}" == all || " ${only} " == *" $1 "* || ",${only}," == *",$1,"* ]]; }

want etcd                    && build_one etcd                    "${CLUSTER_DIR}" go.etcd.io/etcd/server/v3
want kube-apiserver          && build_one kube-apiserver          "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kube-apiserver
want kube-controller-manager && build_one kube-controller-manager "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kube-controller-manager
want kube-scheduler          && build_one kube-scheduler          "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kube-scheduler
want kubectl                 && build_one kubectl                 "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kubectl
if want kwok && [[ -f "${CLUSTER_DIR}/kwok/go.mod" ]]; then
  build_one kwok "${CLUSTER_DIR}/kwok" sigs.k8s.io/kwok/cmd/kwok
fi

echo "built:   ${built[*]:-(nothing)}"
echo "skipped (up to date): ${skipped[*]:-(nothing)}"
echo "binaries in ${BIN_DIR}; total build time $(( $(date +%s) - total_start ))s"
