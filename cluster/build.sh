#!/usr/bin/env bash
# Build the local control plane binaries from upstream Go modules.
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (cluster/go.mod)
#   kubelet                                                                  (cluster/go.mod)
#   kwok                                                                     (cluster/kwok/go.mod)
#   images.tar: the real node's container images (cluster/images.py)
# It also installs the real node's Debian packages when they are missing.
# Idempotent: a binary is rebuilt only when it is missing or its inputs
# (go.mod/go.sum, ldflags, Go version) changed.  FORCE=1 rebuilds everything.
# `build.sh kubectl,kwok` builds only the named binaries.
# Output: ~/.cache/kubesim/bin (override with KUBESIM_BIN_DIR).
set -euo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${CLUSTER_DIR}/lib.sh"

mkdir -p "${BIN_DIR}"

# The real node's runtime and tools, from Debian (a fresh machine has none of them):
# containerd 1.6 + runc 1.1, the CNI plugins (bridge, host-local, loopback), iptables and
# conntrack for the pods' network, busybox-static and gcc (with a static libc) for the images.
if [[ "${REAL_NODE_ENABLED}" == 1 ]]; then
  NODE_PKGS=(containerd runc containernetworking-plugins iptables conntrack socat iproute2 busybox-static gcc libc6-dev)
  missing=()
  for p in "${NODE_PKGS[@]}"; do dpkg -s "${p}" >/dev/null 2>&1 || missing+=("${p}"); done
  if (( ${#missing[@]} )); then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
export CGO_ENABLED="${CGO_ENABLED:-0}"
LDFLAGS_BASE="-s -w"

# Kubernetes binaries report their version from variables that upstream's
# hack/lib/version.sh fills in with -X; without them they say
# "v0.0.0-master+$Format:%H$", which kubectl and clients cannot parse.
k8s_ldflags() {
  local info ver date major minor x
  info="$(cd "${CLUSTER_DIR}" && go list -m -f '{{.Version}} {{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)"
  ver="${info%% *}"; date="${info#* }"
  major="${ver#v}"; major="${major%%.*}"
  minor="${ver#v*.}"; minor="${minor%%.*}"
  x=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X ${pkg}.gitVersion=${ver} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
    x+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=${date} -X ${pkg}.gitCommit=module-${ver}"
  done
  echo "${LDFLAGS_BASE}${x}"
}
K8S_LDFLAGS="$(k8s_ldflags)"
NICE=(nice -n 10)

total_start=$(date +%s)
built=()
skipped=()

# A binary is rebuilt when its stamp (a hash of everything that determines it:
# go.mod, go.sum, package, ldflags, Go version) differs from the one recorded
# next to it.  Hashing contents rather than comparing mtimes keeps a fresh
# checkout or a `touch` from triggering a rebuild.
GO_VERSION="$(go env GOVERSION)"
stamp_of() {  # stamp_of MODULE_DIR PACKAGE LDFLAGS
  { cat "$1/go.mod" "$1/go.sum"; echo "$2|$3|${GO_VERSION}|${CGO_ENABLED}"; } | sha256sum | cut -d' ' -f1
}

# build_one NAME MODULE_DIR PACKAGE [LDFLAGS]
build_one() {
  local name="$1" moddir="$2" pkg="$3" ldflags="${4:-${LDFLAGS_BASE}}"
  local out="${BIN_DIR}/${name}" stamp
  stamp="$(stamp_of "${moddir}" "${pkg}" "${ldflags}")"
  if [[ "${FORCE:-0}" != 1 && -x "${out}" && "$(cat "${out}.stamp" 2>/dev/null)" == "${stamp}" ]]; then
    skipped+=("${name}")
    return 0
  fi
  local t0; t0=$(date +%s)
  echo "==> building ${name} (${pkg})"
  (cd "${moddir}" && "${NICE[@]}" go build -trimpath -ldflags="${ldflags}" -o "${out}.tmp" "${pkg}")
  mv -f "${out}.tmp" "${out}"
  echo "${stamp}" > "${out}.stamp"
  echo "    ${name}: $(( $(date +%s) - t0 ))s, $(du -h "${out}" | cut -f1)"
  built+=("${name}")
}

only="${1:-all}"
want() { [[ "${only}" == all || " ${only} " == *" $1 "* || ",${only}," == *",$1,"* ]]; }

want etcd                    && build_one etcd                    "${CLUSTER_DIR}" go.etcd.io/etcd/server/v3
want kube-apiserver          && build_one kube-apiserver          "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kube-apiserver "${K8S_LDFLAGS}"
want kube-controller-manager && build_one kube-controller-manager "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kube-controller-manager "${K8S_LDFLAGS}"
want kube-scheduler          && build_one kube-scheduler          "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kube-scheduler "${K8S_LDFLAGS}"
want kubectl                 && build_one kubectl                 "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kubectl "${K8S_LDFLAGS}"
want kubelet                 && build_one kubelet                 "${CLUSTER_DIR}" k8s.io/kubernetes/cmd/kubelet "${K8S_LDFLAGS}"
if want kwok && [[ -f "${CLUSTER_DIR}/kwok/go.mod" ]]; then
  build_one kwok "${CLUSTER_DIR}/kwok" sigs.k8s.io/kwok/cmd/kwok
fi
# The real node's images (cluster/images.py: static C programs + busybox, no registry).
if want images && [[ "${REAL_NODE_ENABLED}" == 1 ]]; then
  "${PYTHON}" "${CLUSTER_DIR}/images.py" build "${IMAGES_DIR}"
fi

echo "built:   ${built[*]:-(nothing)}"
echo "skipped (up to date): ${skipped[*]:-(nothing)}"
echo "binaries in ${BIN_DIR}; total build time $(( $(date +%s) - total_start ))s"
