#!/usr/bin/env bash
# Stop the local cluster started by up.sh (by the PIDs it recorded, in reverse
# start order: SIGTERM, then SIGKILL after 10 s) and remove the run dir.
# Safe to run twice.  --keep-logs keeps the run dir (logs, certs) for inspection.
set -euo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${CLUSTER_DIR}/lib.sh"

keep=0
[[ "${1:-}" == "--keep-logs" ]] && keep=1

# The real node first: the kubelet, the containers and containerd, then its host changes
# (node.sh checks the host against the snapshot it took at start).
node_rc=0
if [[ -d "${RUN_DIR}/node" ]] || pid_alive kubelet || pid_alive containerd; then
  "${CLUSTER_DIR}/node.sh" stop || node_rc=$?
fi

stopped=()
for (( i=${#COMPONENTS[@]}-1; i>=0; i-- )); do
  c="${COMPONENTS[i]}"
  if pid="$(pid_of "${c}")"; then
    kill -TERM "${pid}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      pid_alive "${c}" || break
      sleep 0.2
    done
    if pid_alive "${c}"; then
      kill -KILL "${pid}" 2>/dev/null || true
    fi
    stopped+=("${c}")
  fi
  rm -f "${RUN_DIR}/pids/${c}.pid"
done

if (( node_rc != 0 )); then
  keep=1
  log "the real node's host changes were not all undone (see above); run dir kept: ${RUN_DIR}"
fi
if (( keep )); then
  log "stopped: ${stopped[*]:-(nothing was running)}; run dir kept: ${RUN_DIR}"
else
  rm -rf "${RUN_DIR}"
  log "stopped: ${stopped[*]:-(nothing was running)}; removed ${RUN_DIR}"
fi
exit "${node_rc}"
