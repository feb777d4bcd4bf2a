# Shared settings for cluster/*.sh (sourced, not executed).
CLUSTER_DIR="${CLUSTER_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
BIN_DIR="${KUBESIM_BIN_DIR:-${CLUSTER_DIR}/_output/bin}"
RUN_DIR="${KUBESIM_RUN_DIR:-${CLUSTER_DIR}/_run}"
KUBECONFIG_PATH="${RUN_DIR}/kubeconfig"

ETCD_CLIENT_PORT="${KUBESIM_ETCD_PORT:-22379}"
ETCD_PEER_PORT="${KUBESIM_ETCD_PEER_PORT:-22380}"
APISERVER_PORT="${KUBESIM_APISERVER_PORT:-16443}"
KCM_PORT="${KUBESIM_KCM_PORT:-10257}"
SCHED_PORT="${KUBESIM_SCHED_PORT:-10259}"
KWOK_PORT="${KUBESIM_KWOK_PORT:-10247}"
NUM_NODES="${KUBESIM_NUM_NODES:-2}"

# Components, in start order (stopped in reverse).
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { echo "[$(date +%H:%M:%S)] $*"; }
