#!/usr/bin/env bash
# Start the local control plane: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok (fake nodes + pod lifecycle stages), all on 127.0.0.1, and
# the real node (node.sh: containerd + a kubelet on the node address).
# Safe to run twice: if the cluster is already up and healthy it only says so;
# a half-started cluster is torn down (down.sh) and started afresh.
# Prints the kubeconfig path (context `kubesim-local`) and the start-up time.
set -euo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${CLUSTER_DIR}/lib.sh"

START_NS=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - START_NS) / 1000000 ))ms"; }

NEEDED=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl)
[[ "${REAL_NODE_ENABLED}" == 1 ]] && NEEDED+=(kubelet)
for b in "${NEEDED[@]}"; do
  if [[ ! -x "${BIN_DIR}/${b}" ]]; then
    echo "missing ${BIN_DIR}/${b}: run cluster/build.sh (make cluster-build) first" >&2
    exit 1
  fi
done
KUBECTL=("${BIN_DIR}/kubectl" --kubeconfig="${KUBECONFIG_PATH}")
if [[ "${REAL_NODE_ENABLED}" == 1 ]] && ! "${PYTHON}" "${CLUSTER_DIR}/images.py" list >/dev/null; then
  echo "${PYTHON} cannot run cluster/images.py (the real node's admission policy): pip install -e . first, or set PYTHON" >&2
  exit 1
fi

PKI="${RUN_DIR}/pki"
PIDS="${RUN_DIR}/pids"
LOGS="${RUN_DIR}/logs"

# --- already up? -------------------------------------------------------------
if cluster_running; then
  if "${KUBECTL[@]}" get --raw=/readyz >/dev/null 2>&1; then
    log "cluster already up (kubeconfig: ${KUBECONFIG_PATH})"
    exit 0
  fi
fi
if [[ -d "${PIDS}" ]] && ls "${PIDS}"/*.pid >/dev/null 2>&1; then
  log "found a partially running cluster; stopping it first"
  "${CLUSTER_DIR}/down.sh"
fi

for port in "${ETCD_CLIENT_PORT}" "${ETCD_PEER_PORT}" "${APISERVER_PORT}" "${KCM_PORT}" "${SCHED_PORT}" "${KWOK_PORT}"; do
  if port_in_use "${port}"; then
    echo "port ${port} on 127.0.0.1 is already in use; set KUBESIM_*_PORT or stop whatever holds it" >&2
    exit 1
  fi
done

mkdir -p "${RUN_DIR}" "${PIDS}" "${LOGS}"
rm -rf "${RUN_DIR}/etcd"
# A start that fails part-way stops whatever it started and undoes the node's host changes
# (logs kept in ${RUN_DIR}).
UP_OK=0
on_exit() { if (( UP_OK == 0 )); then "${CLUSTER_DIR}/down.sh" --keep-logs >&2 || true; fi; }
trap on_exit EXIT

# --- certificates and kubeconfigs ---------------------------------------------
if [[ "${REAL_NODE_ENABLED}" == 1 ]]; then
  NODE_IP="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)"
  [[ -n "${NODE_IP}" ]] || NODE_IP="$(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}')"
  [[ -n "${NODE_IP}" && "${NODE_IP}" != 127.* ]] || { echo "no non-loopback IPv4 address for the real node; set KUBESIM_REAL_NODE=0" >&2; exit 1; }
  export NODE_NAME="${REAL_NODE}" NODE_IP
fi
"${CLUSTER_DIR}/certs.sh" "${PKI}"

b64() { base64 -w0 < "$1"; }
# write_kubeconfig FILE USER CONTEXT
write_kubeconfig() {
  local file="$1" user="$2" context="$3"
  cat > "${file}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubesim
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority-data: $(b64 "${PKI}/ca.crt")
users:
- name: ${user}
  user:
    client-certificate-data: $(b64 "${PKI}/${user}.crt")
    client-key-data: $(b64 "${PKI}/${user}.key")
contexts:
- name: ${context}
  context:
    cluster: kubesim
    user: ${user}
    namespace: default
current-context: ${context}
EOF
  chmod 600 "${file}"
}
write_kubeconfig "${KUBECONFIG_PATH}" admin kubesim-local
write_kubeconfig "${RUN_DIR}/kube-controller-manager.kubeconfig" kube-controller-manager kube-controller-manager
write_kubeconfig "${RUN_DIR}/kube-scheduler.kubeconfig" kube-scheduler kube-scheduler
write_kubeconfig "${RUN_DIR}/kwok.kubeconfig" kwok kwok
log "certificates and kubeconfigs ready ($(elapsed))"

# --- start helpers -------------------------------------------------------------
# start NAME ARGS...   (runs ${BIN_DIR}/NAME in its own session, logs to LOGS/NAME.log)
start() {
  local name="$1"; shift
  start_cmd "${name}" "${BIN_DIR}/${name}" "$@"
}
# start_cmd NAME COMMAND ARGS...
start_cmd() {
  local name="$1"; shift
  setsid "$@" > "${LOGS}/${name}.log" 2>&1 < /dev/null &
  echo $! > "${PIDS}/${name}.pid"
  STARTED+=("${name}")
}
STARTED=()

# wait_for DESCRIPTION TIMEOUT_S COMMAND...   (fails fast if a started component dies)
wait_for() {
  local what="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    local c
    for c in "${STARTED[@]}"; do
      if ! pid_alive "${c}"; then
        echo "${c} exited while waiting for ${what}; last lines of ${LOGS}/${c}.log:" >&2
        tail -n 30 "${LOGS}/${c}.log" >&2
        exit 1
      fi
    done
    if (( $(date +%s) > deadline )); then
      echo "timed out after ${timeout}s waiting for ${what}; see ${LOGS}/ (logs kept; the cluster is stopped)" >&2
      exit 1
    fi
    sleep 0.2
  done
  log "${what} ($(elapsed))"
}

# --- etcd ----------------------------------------------------------------------
ETCD_URL="https://127.0.0.1:${ETCD_CLIENT_PORT}"
start etcd \
  --name=kubesim \
  --data-dir="${RUN_DIR}/etcd" \
  --listen-client-urls="${ETCD_URL}" \
  --advertise-client-urls="${ETCD_URL}" \
  --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-cluster="kubesim=http://127.0.0.1:${ETCD_PEER_PORT}" \
  --cert-file="${PKI}/etcd-server.crt" \
  --key-file="${PKI}/etcd-server.key" \
  --trusted-ca-file="${PKI}/ca.crt" \
  --client-cert-auth \
  --unsafe-no-fsync \
  --log-level=warn
etcd_healthy() {
  curl -sf --cacert "${PKI}/ca.crt" --cert "${PKI}/apiserver-etcd-client.crt" \
    --key "${PKI}/apiserver-etcd-client.key" "${ETCD_URL}/health" | grep -q '"health":"true"'
}
wait_for "etcd healthy" 30 etcd_healthy

# --- kube-apiserver --------------------------------------------------------------
start kube-apiserver \
  --advertise-address=127.0.0.1 \
  --bind-address=127.0.0.1 \
  --secure-port="${APISERVER_PORT}" \
  --etcd-servers="${ETCD_URL}" \
  --etcd-cafile="${PKI}/ca.crt" \
  --etcd-certfile="${PKI}/apiserver-etcd-client.crt" \
  --etcd-keyfile="${PKI}/apiserver-etcd-client.key" \
  --client-ca-file="${PKI}/ca.crt" \
  --tls-cert-file="${PKI}/apiserver.crt" \
  --tls-private-key-file="${PKI}/apiserver.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="${PKI}/sa.pub" \
  --service-account-signing-key-file="${PKI}/sa.key" \
  --service-cluster-ip-range=10.96.0.0/12 \
  --authorization-mode=Node,RBAC \
  --enable-admission-plugins=NodeRestriction \
  --kubelet-client-certificate="${PKI}/apiserver-kubelet-client.crt" \
  --kubelet-client-key="${PKI}/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="${PKI}/ca.crt" \
  --kubelet-preferred-address-types=InternalIP \
  --requestheader-client-ca-file="${PKI}/ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="${PKI}/front-proxy-client.crt" \
  --proxy-client-key-file="${PKI}/front-proxy-client.key" \
  --endpoint-reconciler-type=none \
  --allow-privileged=true \
  --profiling=false
apiserver_ready() { "${KUBECTL[@]}" get --raw=/readyz; }
wait_for "kube-apiserver ready on https://127.0.0.1:${APISERVER_PORT}" 90 apiserver_ready

# --- kube-controller-manager and kube-scheduler -----------------------------------
KCM_KUBECONFIG="${RUN_DIR}/kube-controller-manager.kubeconfig"
start kube-controller-manager \
  --kubeconfig="${KCM_KUBECONFIG}" \
  --authentication-kubeconfig="${KCM_KUBECONFIG}" \
  --authorization-kubeconfig="${KCM_KUBECONFIG}" \
  --bind-address=127.0.0.1 \
  --secure-port="${KCM_PORT}" \
  --controllers='*' \
  --use-service-account-credentials=false \
  --service-account-private-key-file="${PKI}/sa.key" \
  --root-ca-file="${PKI}/ca.crt" \
  --cluster-signing-cert-file="${PKI}/ca.crt" \
  --cluster-signing-key-file="${PKI}/ca.key" \
  --service-cluster-ip-range=10.96.0.0/12 \
  --leader-elect=false \
  --profiling=false

SCHED_KUBECONFIG="${RUN_DIR}/kube-scheduler.kubeconfig"
start kube-scheduler \
  --kubeconfig="${SCHED_KUBECONFIG}" \
  --authentication-kubeconfig="${SCHED_KUBECONFIG}" \
  --authorization-kubeconfig="${SCHED_KUBECONFIG}" \
  --bind-address=127.0.0.1 \
  --secure-port="${SCHED_PORT}" \
  --leader-elect=false \
  --profiling=false

# --- kwok: fake nodes and pod lifecycle -------------------------------------------
start kwok \
  --kubeconfig="${RUN_DIR}/kwok.kubeconfig" \
  --config="${CLUSTER_DIR}/kwok/stages.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-label-selector=type=kwok \
  --cidr=10.244.0.0/17 \
  --node-lease-duration-seconds=40 \
  --server-address="127.0.0.1:${KWOK_PORT}"

# Register the fake nodes (kwok manages the nodes labelled type=kwok).
K8S_VERSION="$("${BIN_DIR}/kube-apiserver" --version | awk '{print $2}')"
for i in $(seq 0 $(( NUM_NODES - 1 ))); do
  node="$(node_name "${i}")"
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: ${node}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: ${node}
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
status:
  addresses:
  - address: 172.18.0.$(( i + 2 ))
    type: InternalIP
  - address: ${node}
    type: Hostname
  allocatable:
    cpu: "32"
    memory: 256Gi
    pods: "110"
  capacity:
    cpu: "32"
    memory: 256Gi
    pods: "110"
  nodeInfo:
    kubeletVersion: ${K8S_VERSION}
    osImage: kubesim fake node (kwok)
    operatingSystem: linux
    architecture: amd64
---
EOF
done | "${KUBECTL[@]}" apply -f - >/dev/null
nodes_ready() { "${KUBECTL[@]}" wait --for=condition=Ready node -l type=kwok --timeout=1s; }
wait_for "${NUM_NODES} fake node(s) Ready" 60 nodes_ready

default_sa() { "${KUBECTL[@]}" -n default get serviceaccount default; }
wait_for "default service account created" 60 default_sa

# --- end-to-end check: a 1-replica Deployment becomes available --------------------
CHECK=kubesim-up-check
"${KUBECTL[@]}" -n default delete deployment "${CHECK}" --ignore-not-found >/dev/null
"${KUBECTL[@]}" -n default create deployment "${CHECK}" --image=registry.k8s.io/pause:3.10 --replicas=1 >/dev/null
deploy_available() {
  "${KUBECTL[@]}" -n default wait --for=condition=Available "deployment/${CHECK}" --timeout=1s &&
  [[ "$("${KUBECTL[@]}" -n default get deployment "${CHECK}" -o jsonpath='{.status.availableReplicas}')" == 1 ]]
}
wait_for "test deployment available" 90 deploy_available
"${KUBECTL[@]}" -n default delete deployment "${CHECK}" --wait=true >/dev/null

# --- the real node: containerd + kubelet, the image conventions, a pod that becomes Ready --
if [[ "${REAL_NODE_ENABLED}" == 1 ]]; then
  "${CLUSTER_DIR}/node.sh" start
  STARTED+=(containerd kubelet)
  "${PYTHON}" "${CLUSTER_DIR}/images.py" policy | "${KUBECTL[@]}" apply -f - >/dev/null
  log "admission policy kubesim-real-node applied ($(elapsed))"
  # A namespace labelled kubesim.dev/node=real sends its pods to the real node.
  REAL_CHECK="${CHECK}-real"
  "${KUBECTL[@]}" create namespace "${REAL_CHECK}" >/dev/null
  "${KUBECTL[@]}" label namespace "${REAL_CHECK}" kubesim.dev/node=real >/dev/null
  real_sa() { "${KUBECTL[@]}" -n "${REAL_CHECK}" get serviceaccount default; }
  wait_for "service account in ${REAL_CHECK}" 60 real_sa
  # The API server loads a new admission policy a moment after it is created: wait until a
  # server-side dry run of a pod in the namespace comes back with the policy's node selector.
  policy_active() {
    [[ "$("${KUBECTL[@]}" -n "${REAL_CHECK}" run probe --image=rainbow/mc-user:1.0.RELEASE --restart=Never --dry-run=server -o jsonpath='{.spec.nodeSelector.kubesim\.dev/node}')" == real ]]
  }
  wait_for "admission policy active" 60 policy_active
  "${KUBECTL[@]}" -n "${REAL_CHECK}" run check --image=rainbow/mc-user:1.0.RELEASE --restart=Never >/dev/null
  real_pod_ready() {
    [[ "$("${KUBECTL[@]}" -n "${REAL_CHECK}" get pod check -o jsonpath='{.spec.nodeName} {.status.conditions[?(@.type=="Ready")].status}')" == "${REAL_NODE} True" ]]
  }
  wait_for "a pod on the real node Ready (container from rainbow/mc-user:1.0.RELEASE, readiness probe)" 90 real_pod_ready
  "${KUBECTL[@]}" delete namespace "${REAL_CHECK}" --wait=false >/dev/null
fi

UP_OK=1
log "cluster up in $(elapsed)"
echo "kubeconfig: ${KUBECONFIG_PATH}   (context kubesim-local)"
echo "  export KUBECONFIG=${KUBECONFIG_PATH}"
echo "  ${CLUSTER_DIR}/kubectl get nodes      # or ${BIN_DIR}/kubectl"
