# Shared settings for cluster/*.sh (sourced, not executed).
CLUSTER_DIR="${CLUSTER_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
# Binaries live outside the checkout so that every clone (and CI's fresh clone)
# reuses them; build.sh's stamps say whether they match this checkout's go.mod.
BIN_DIR="${KUBESIM_BIN_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/kubesim/bin}"
RUN_DIR="${KUBESIM_RUN_DIR:-${CLUSTER_DIR}/_run}"
KUBECONFIG_PATH="${RUN_DIR}/kubeconfig"

ETCD_CLIENT_PORT="${KUBESIM_ETCD_PORT:-22379}"
ETCD_PEER_PORT="${KUBESIM_ETCD_PEER_PORT:-22380}"
APISERVER_PORT="${KUBESIM_APISERVER_PORT:-16443}"
KCM_PORT="${KUBESIM_KCM_PORT:-10257}"
SCHED_PORT="${KUBESIM_SCHED_PORT:-10259}"
KWOK_PORT="${KUBESIM_KWOK_PORT:-10247}"
# Fake nodes: kubesim-worker, kubesim-worker2, kubesim-worker3, ... (kind's naming),
# InternalIP 172.18.0.2, .3, ...  The Python model's default is the single node
# "kubesim-worker" at 172.18.0.2, so one node keeps the two comparable.
NUM_NODES="${KUBESIM_NUM_NODES:-1}"
node_name() { if (( $1 == 0 )); then echo kubesim-worker; else echo "kubesim-worker$(( $1 + 1 ))"; fi; }

# The real node (node.sh): a kubelet + containerd, on by default; KUBESIM_REAL_NODE=0
# starts the control plane with KWOK nodes only.
REAL_NODE_ENABLED="${KUBESIM_REAL_NODE:-1}"
REAL_NODE="${KUBESIM_REAL_NODE_NAME:-kubesim-node}"
KUBELET_PORT="${KUBESIM_KUBELET_PORT:-10250}"
# kubelet syncFrequency: a ConfigMap volume's files change within about one to two of these.
KUBELET_SYNC="${KUBESIM_KUBELET_SYNC:-20s}"
NODE_POD_CIDR="${KUBESIM_NODE_POD_CIDR:-10.244.128.0/17}"
# Images for the real node (cluster/images.py), cached beside the binaries.
IMAGES_DIR="${KUBESIM_IMAGES_DIR:-$(dirname "${BIN_DIR}")/images}"
PYTHON="${PYTHON:-python3}"

# Components, in start order (stopped in reverse).  All are binaries in BIN_DIR except
# containerd (Debian's).
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
if [[ "${REAL_NODE_ENABLED}" == 1 ]]; then COMPONENTS+=(containerd kubelet); fi

log() { echo "[$(date +%H:%M:%S)] $*"; }

# pid_of NAME: the recorded PID of component NAME, if that process is still ours.
pid_of() {
  local f="${RUN_DIR}/pids/$1.pid" pid
  [[ -f "${f}" ]] || return 1
  pid="$(cat "${f}")"
  [[ -n "${pid}" && -r "/proc/${pid}/cmdline" ]] || return 1
  # Guard against PID reuse: the process must be the component's binary
  # (argv[0] ends in /NAME, or argv[1] in /NAME.py with - as _) and one of ours
  # (it runs with our run dir in its flags).
  local argv0 argv1 args
  argv0="$(tr '\0' '\n' 2>/dev/null < "/proc/${pid}/cmdline" | sed -n 1p)"
  argv1="$(tr '\0' '\n' 2>/dev/null < "/proc/${pid}/cmdline" | sed -n 2p)"
  [[ "${argv0}" == */"$1" || "${argv1}" == */"${1//-/_}.py" ]] || return 1
  args="$(tr '\0' ' ' 2>/dev/null < "/proc/${pid}/cmdline")"
  [[ "${args}" == *"${RUN_DIR}/"* || "${args}" == *"${CLUSTER_DIR}/"* ]] || return 1
  echo "${pid}"
}
pid_alive() { pid_of "$1" >/dev/null; }

# cluster_running: every component has a live recorded PID.
cluster_running() {
  local c
  for c in "${COMPONENTS[@]}"; do pid_alive "${c}" || return 1; done
}

port_in_use() {
  # ss is in iproute2; fall back to bash's /dev/tcp.
  if command -v ss >/dev/null 2>&1; then
    ss -Htln "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
