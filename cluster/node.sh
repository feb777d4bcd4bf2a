#!/usr/bin/env bash
# The real node: containerd + runc and a kubelet v1.36.3, next to the KWOK nodes.
#   node.sh start     (called by up.sh once the API server is ready)
#   node.sh stop      (called by down.sh first): stop the kubelet, the containers and
#                     containerd by PID, then undo every host change and check that the
#                     host is as node.sh start found it
#   node.sh snapshot  print the host state that start changes and stop restores
# Everything it writes lives in ${RUN_DIR}/node and /run/kubesim-containerd, except what
# the kubelet, runc and the CNI plugins change on the host (sysctls, iptables chains, the
# cni0 bridge, cgroups, /run/netns, /run/containerd/s, /var/log/containers); `stop` undoes
# those, from the snapshot `start` took.
set -euo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${CLUSTER_DIR}/lib.sh"

NODE_DIR="${RUN_DIR}/node"
PKI="${RUN_DIR}/pki"
PIDS="${RUN_DIR}/pids"
LOGS="${RUN_DIR}/logs"
CTRD_STATE="/run/kubesim-containerd"
SOCK="${CTRD_STATE}/containerd.sock"
CTR=(ctr --address "${SOCK}" -n k8s.io)
KUBECTL=("${BIN_DIR}/kubectl" --kubeconfig="${KUBECONFIG_PATH}")
# Host paths that the runtime or the kubelet create outside our own directories.
HOST_PATHS=(/run/containerd /run/netns /var/run/netns /var/log/containers /var/log/pods /var/lib/kubelet /var/lib/containerd /opt/containerd /var/lib/cni)
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes
  net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables)

# snapshot: the host state the node may change, one fact a line (compared by stop).
snapshot() {
  local k p t h
  for k in "${SYSCTLS[@]}"; do echo "sysctl ${k}=$(sysctl -n "${k}" 2>/dev/null || echo absent)"; done
  for p in "${HOST_PATHS[@]}"; do [[ -e "${p}" ]] && echo "path ${p} exists"; done
  for t in filter nat mangle; do
    iptables -t "${t}" -S 2>/dev/null | sed "s/^/iptables ${t} /"
    ip6tables -t "${t}" -S 2>/dev/null | sed "s/^/ip6tables ${t} /"
  done
  ip -o link show | awk -F': ' '{print "link " $2}' | sed 's/@.*//'
  for h in /sys/fs/cgroup/*/; do
    for p in "${h}"kubepods*; do [[ -d "${p}" ]] && echo "cgroup ${p}"; done
  done
  awk '{print $5}' /proc/self/mountinfo | grep -E "^(${RUN_DIR}|${CTRD_STATE}|/run/netns|/var/run/netns|/run/containerd)" | sed 's/^/mount /' || true
  return 0
}

node_ip() {
  local ip
  ip="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)"
  if [[ -z "${ip}" ]]; then
    ip="$(ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')"
  fi
  [[ -n "${ip}" && "${ip}" != 127.* ]] || { echo "node.sh: no non-loopback IPv4 address for the kubelet (--node-ip)" >&2; return 1; }
  echo "${ip}"
}

start_cmd() {  # start_cmd NAME COMMAND ARGS...
  local name="$1"; shift
  setsid "$@" > "${LOGS}/${name}.log" 2>&1 < /dev/null &
  echo $! > "${PIDS}/${name}.pid"
}

wait_until() {  # wait_until WHAT TIMEOUT COMPONENT COMMAND...
  local what="$1" timeout="$2" comp="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "${comp}"; then
      echo "${comp} exited while waiting for ${what}; last lines of ${LOGS}/${comp}.log:" >&2
      tail -n 30 "${LOGS}/${comp}.log" >&2
      return 1
    fi
    if (( $(date +%s) > deadline )); then
      echo "timed out after ${timeout}s waiting for ${what}; see ${LOGS}/${comp}.log" >&2
      return 1
    fi
    sleep 0.1
  done
}

start() {
  local t0 ip
  t0=$(date +%s%N)
  for b in containerd runc ctr; do
    command -v "${b}" >/dev/null || { echo "node.sh: ${b} is missing: run cluster/build.sh (it installs the node's packages)" >&2; return 1; }
  done
  [[ -x "${BIN_DIR}/kubelet" ]] || { echo "node.sh: missing ${BIN_DIR}/kubelet: run cluster/build.sh" >&2; return 1; }
  [[ -f "${IMAGES_DIR}/images.tar" ]] || { echo "node.sh: missing ${IMAGES_DIR}/images.tar: run cluster/build.sh" >&2; return 1; }
  ip="$(node_ip)"
  if port_in_use 10250 || port_in_use 10248; then
    echo "node.sh: port 10250 or 10248 is taken: is another kubelet running?" >&2
    return 1
  fi
  mkdir -p "${NODE_DIR}/cni/net.d" "${NODE_DIR}/cni/ipam" "${NODE_DIR}/kubelet" "${NODE_DIR}/pod-logs" "${NODE_DIR}/containerd" "${CTRD_STATE}"
  snapshot > "${NODE_DIR}/host.before"

  # --- containerd (Debian's 1.6, runc 1.1) --------------------------------------------
  cat > "${NODE_DIR}/containerd.toml" <<EOF
version = 2
root = "${NODE_DIR}/containerd"
state = "${CTRD_STATE}"
[grpc]
  address = "${SOCK}"
[ttrpc]
  address = "${CTRD_STATE}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${NODE_DIR}/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # root here lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj (sandboxes ask for -998)
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
        Root = "${CTRD_STATE}/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${NODE_DIR}/cni/net.d"
EOF
  # One bridge network for the node's pods; no portmap plugin (no hostPorts), so the only
  # iptables rules CNI adds are the bridge's masquerade chains.
  cat > "${NODE_DIR}/cni/net.d/10-kubesim.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "kubesim", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "${NODE_POD_CIDR}"}]], "routes": [{"dst": "0.0.0.0/0"}],
            "dataDir": "${NODE_DIR}/cni/ipam"}}]}
EOF
  start_cmd containerd "$(command -v containerd)" --config "${NODE_DIR}/containerd.toml"
  wait_until "containerd" 30 containerd "${CTR[@]}" version
  "${CTR[@]}" images import "${IMAGES_DIR}/images.tar" >/dev/null
  log "containerd $("${CTR[@]}" version 2>/dev/null | awk '/Server/{s=1} s&&/Version/{print $2; exit}') up, $("${CTR[@]}" images ls -q | grep -vc '^sha256:') images loaded ($(( ($(date +%s%N) - t0) / 1000000 ))ms)"

  # --- kubelet --------------------------------------------------------------------------
  cat > "${NODE_DIR}/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubesim
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority: ${PKI}/ca.crt
users:
- name: kubelet
  user:
    client-certificate: ${PKI}/kubelet-client.crt
    client-key: ${PKI}/kubelet-client.key
contexts:
- name: kubelet
  context: {cluster: kubesim, user: kubelet}
current-context: kubelet
EOF
  chmod 600 "${NODE_DIR}/kubelet.kubeconfig"
  cat > "${NODE_DIR}/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# kubelet >= 1.35 refuses cgroup v1 unless told; this machine has only v1 controllers.
failCgroupV1: false
# containerd 1.6 lacks the RuntimeConfig RPC, so the kubelet uses this driver.
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://${SOCK}
failSwapOn: false
# Listen on the node address only; exec/logs/port-forward only for clients with a
# certificate of the cluster CA (the API server's), each request authorized by the API server.
address: ${ip}
port: ${KUBELET_PORT}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${PKI}/kubelet.crt
tlsPrivateKeyFile: ${PKI}/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${PKI}/ca.crt}
authorization:
  mode: Webhook
# ConfigMap volumes are refreshed on the pod's next sync: ${KUBELET_SYNC} here (default 1m).
syncFrequency: ${KUBELET_SYNC}
configMapAndSecretChangeDetectionStrategy: Watch
# A cluster DNS address (no DNS server answers there; the scenarios resolve no names). Without one the kubelet
# records a MissingClusterDNS Warning about the pod and the node on every sync of a ClusterFirst pod: a flood
# that delayed all its events by minutes on the loaded shared node, and spends each pod's Warning tokens.
clusterDNS: ["10.96.0.10"]
clusterDomain: cluster.local
podLogsDir: ${NODE_DIR}/pod-logs
registerWithTaints:
- {key: kubesim.dev/node, value: real, effect: NoSchedule}
serializeImagePulls: false
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 110
EOF
  start_cmd kubelet "${BIN_DIR}/kubelet" \
    --config="${NODE_DIR}/kubelet.yaml" \
    --kubeconfig="${NODE_DIR}/kubelet.kubeconfig" \
    --root-dir="${NODE_DIR}/kubelet" \
    --hostname-override="${REAL_NODE}" \
    --node-ip="${ip}" \
    --node-labels="kubesim.dev/node=real,type=real" \
    --v=1
  node_ready() { [[ "$("${KUBECTL[@]}" get node "${REAL_NODE}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]; }
  wait_until "node ${REAL_NODE} Ready" 90 kubelet node_ready
  log "kubelet up: node ${REAL_NODE} (${ip}:${KUBELET_PORT}) Ready ($(( ($(date +%s%N) - t0) / 1000000 ))ms)"
}

# ---------------------------------------------------------------------------- stop
stop_component() {  # SIGTERM, then SIGKILL after 10 s
  local c="$1" pid
  if pid="$(pid_of "${c}")"; then
    kill -TERM "${pid}" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "${c}" || break; sleep 0.2; done
    pid_alive "${c}" && kill -KILL "${pid}" 2>/dev/null || true
    STOPPED+=("${c}")
  fi
  rm -f "${PIDS}/${c}.pid"
}

stop() {
  set +e
  STOPPED=()
  stop_component kubelet
  if pid_alive containerd; then
    # The pods' containers: their processes are children of containerd's shims.
    local c
    for c in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "${c}" >/dev/null 2>&1; done
    for _ in $(seq 1 20); do [[ -z "$("${CTR[@]}" tasks ls -q 2>/dev/null | head -1)" ]] && break; sleep 0.1; done
    for c in $("${CTR[@]}" containers ls -q 2>/dev/null); do
      "${CTR[@]}" tasks delete -f "${c}" >/dev/null 2>&1
      "${CTR[@]}" containers delete "${c}" >/dev/null 2>&1
    done
  fi
  stop_component containerd
  # Shims whose containerd is gone: ours run with our state dir's socket in their flags.
  local p
  for p in $(grep -ls -- "${CTRD_STATE}/containerd.sock" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [[ "$(tr '\0' '\n' 2>/dev/null < "/proc/${p}/cmdline" | head -1)" == *containerd-shim* ]] && kill -KILL "${p}" 2>/dev/null
  done
  [[ -f "${NODE_DIR}/host.before" ]] || { echo "${STOPPED[*]:-}"; return 0; }

  # Mounts (overlay rootfs, netns, pod volumes), deepest first, before anything is removed.
  local m
  for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^(${NODE_DIR}|${CTRD_STATE}|/run/netns/cni-|/var/run/netns/cni-|/run/containerd)" | sort -r); do
    umount "${m}" 2>/dev/null || umount -l "${m}" 2>/dev/null
  done
  # Host paths that did not exist before start.
  for p in "${HOST_PATHS[@]}"; do
    if [[ -e "${p}" ]] && ! grep -qx "path ${p} exists" "${NODE_DIR}/host.before"; then
      if awk '{print $5}' /proc/self/mountinfo | grep -q "^${p}"; then echo "node.sh: ${p} still has mounts; not removed" >&2; else rm -rf "${p}"; fi
    fi
  done
  rm -rf "${CTRD_STATE}"
  # Network: the bridge (its veths went with the pods' network namespaces).
  if ! grep -qx "link cni0" "${NODE_DIR}/host.before"; then ip link del cni0 2>/dev/null; fi
  # iptables: rules and chains that were not there before (CNI-* masquerade chains of pods
  # whose teardown never ran, the kubelet's KUBE-* canaries and firewall).
  local ipt t rule chain
  for ipt in iptables ip6tables; do
    for t in filter nat mangle; do
      "${ipt}" -t "${t}" -S 2>/dev/null | grep '^-A ' | while read -r rule; do
        grep -qxF -- "${ipt} ${t} ${rule}" "${NODE_DIR}/host.before" && continue
        eval "${ipt} -t ${t} -D ${rule#-A }" 2>/dev/null
      done
      for chain in $("${ipt}" -t "${t}" -S 2>/dev/null | awk '/^-N /{print $2}'); do
        grep -qxF -- "${ipt} ${t} -N ${chain}" "${NODE_DIR}/host.before" && continue
        "${ipt}" -t "${t}" -F "${chain}" 2>/dev/null; "${ipt}" -t "${t}" -X "${chain}" 2>/dev/null
      done
    done
  done
  # sysctls the kubelet (overcommit, panic, keys) and the bridge plugin (forwarding) set.
  local line k v
  while read -r line; do
    [[ "${line}" == sysctl\ * ]] || continue
    k="${line#sysctl }"; v="${k#*=}"; k="${k%%=*}"
    [[ "${v}" == absent ]] && continue
    [[ "$(sysctl -n "${k}" 2>/dev/null)" == "${v}" ]] || sysctl -qw "${k}=${v}" >/dev/null 2>&1
  done < "${NODE_DIR}/host.before"
  # cgroups the kubelet made (/kubepods in every hierarchy), empty now that the containers are gone.
  local h
  for h in /sys/fs/cgroup/*/; do
    for p in "${h}"kubepods*; do
      [[ -d "${p}" ]] && ! grep -qx "cgroup ${p}" "${NODE_DIR}/host.before" && find "${p}" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  done
  # The check: the host as start found it.
  if diff <(sort "${NODE_DIR}/host.before") <(snapshot | sort) > "${NODE_DIR}/host.diff"; then
    log "node stopped (${STOPPED[*]:-nothing was running}); host restored: sysctls, iptables, links, cgroups, paths and mounts as before start"
  else
    log "node stopped (${STOPPED[*]:-nothing was running}); the host differs from before start:"
    sed 's/^/    /' "${NODE_DIR}/host.diff" >&2
    cp "${NODE_DIR}/host.diff" "${CLUSTER_DIR}/_host.diff" 2>/dev/null
    return 1
  fi
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  snapshot) snapshot ;;
  *) echo "usage: $0 start|stop|snapshot" >&2; exit 2 ;;
esac
