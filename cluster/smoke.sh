#!/usr/bin/env bash
# Smoke test against a running local cluster (cluster/up.sh):
#   1. a 3-replica Deployment becomes available
#   2. changing its image rolls it out (new ReplicaSet, revision 2)
#   3. `kubectl rollout undo` rolls back (image restored, revision 3)
#   4. the kwok pod conventions: default ~1 s to Ready, kubesim.dev/ready-after-seconds,
#      kubesim.dev/never-ready annotation, a "never-ready" image,
#      kubesim.dev/terminate-after-seconds
#   5. on the real node: pods that need a missing ConfigMap (or key) wait until it exists,
#      then `kubectl exec` shows its values
# Prints the time each step took; exits non-zero on the first failure.
set -euo pipefail

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${CLUSTER_DIR}/lib.sh"

K=("${BIN_DIR}/kubectl" --kubeconfig="${KUBECONFIG_PATH}")
NS=kubesim-smoke
DEP=smoke-web

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0=$(now_ms)
step_start=${T0}
step() { local t; t=$(now_ms); log "$1: $(( t - step_start )) ms"; step_start=$(now_ms); }
fail() { echo "SMOKE FAILED: $*" >&2; "${K[@]}" -n "${NS}" get deploy,rs,pods -o wide >&2 || true; exit 1; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"; }

# Images of the deployment's pods that are not terminating (old pods linger for
# the 1 s simulated shutdown after a rollout completes, as on a real cluster).
live_pod_images() {
  "${K[@]}" -n "${NS}" get pods -l "app=${DEP}" -o json | python3 -c '
import json, sys
pods = json.load(sys.stdin)["items"]
print("\n".join(sorted({p["spec"]["containers"][0]["image"] for p in pods if not p["metadata"].get("deletionTimestamp")})))'
}

"${K[@]}" get --raw=/readyz >/dev/null || fail "cluster is not up (run cluster/up.sh)"
"${K[@]}" delete namespace "${NS}" --ignore-not-found --wait=true >/dev/null
"${K[@]}" create namespace "${NS}" >/dev/null
until "${K[@]}" -n "${NS}" get serviceaccount default >/dev/null 2>&1; do sleep 0.2; done
step "namespace ${NS} ready"

# 1. create ---------------------------------------------------------------------
"${K[@]}" -n "${NS}" create deployment "${DEP}" --image=registry.k8s.io/pause:3.9 --replicas=3 >/dev/null
"${K[@]}" -n "${NS}" rollout status "deployment/${DEP}" --timeout=60s >/dev/null || fail "initial rollout"
expect_eq "$("${K[@]}" -n "${NS}" get deploy "${DEP}" -o jsonpath='{.status.availableReplicas}')" 3 "available replicas"
step "3-replica deployment available"

# 2. change the image --------------------------------------------------------------
"${K[@]}" -n "${NS}" set image "deployment/${DEP}" pause=registry.k8s.io/pause:3.10 >/dev/null
"${K[@]}" -n "${NS}" rollout status "deployment/${DEP}" --timeout=60s | sed 's/^/    /'
expect_eq "$("${K[@]}" -n "${NS}" get deploy "${DEP}" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')" 2 "revision after set image"
images="$(live_pod_images)"
expect_eq "${images}" "registry.k8s.io/pause:3.10" "pod images after rollout"
expect_eq "$("${K[@]}" -n "${NS}" get rs -l "app=${DEP}" --no-headers | wc -l | tr -d ' ')" 2 "replica sets after rollout"
step "rolled out new image (revision 2)"

# 3. undo -------------------------------------------------------------------------
"${K[@]}" -n "${NS}" rollout history "deployment/${DEP}" | sed 's/^/    /'
"${K[@]}" -n "${NS}" rollout undo "deployment/${DEP}" >/dev/null
"${K[@]}" -n "${NS}" rollout status "deployment/${DEP}" --timeout=60s >/dev/null || fail "undo rollout"
expect_eq "$("${K[@]}" -n "${NS}" get deploy "${DEP}" -o jsonpath='{.spec.template.spec.containers[0].image}')" "registry.k8s.io/pause:3.9" "image after undo"
expect_eq "$("${K[@]}" -n "${NS}" get deploy "${DEP}" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')" 3 "revision after undo"
images="$(live_pod_images)"
expect_eq "${images}" "registry.k8s.io/pause:3.9" "pod images after undo"
"${K[@]}" -n "${NS}" get deploy,rs -o wide | sed 's/^/    /'
step "rollout undo complete (revision 3)"

# 4. pod conventions ----------------------------------------------------------------
pod() {  # pod NAME IMAGE [ANNOTATION=VALUE]
  local ann=""
  [[ -n "${3:-}" ]] && ann="  annotations: {\"${3%%=*}\": \"${3#*=}\"}"
  cat <<EOF | "${K[@]}" -n "${NS}" apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata:
  name: $1
${ann}
spec:
  containers:
  - name: c
    image: $2
EOF
}
ready_ms() {  # ms between Running (containers started) and Ready of pod $1
  "${K[@]}" -n "${NS}" get pod "$1" -o json | python3 -c '
import json, sys, datetime
p = json.load(sys.stdin)
c = {x["type"]: x for x in p["status"]["conditions"]}
ts = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
print(int(1000 * (ts(c["Ready"]["lastTransitionTime"]) - ts(p["status"]["startTime"]))))'
}
pod p-default registry.k8s.io/pause:3.10
pod p-delayed registry.k8s.io/pause:3.10 kubesim.dev/ready-after-seconds=3
pod p-never-ann registry.k8s.io/pause:3.10 kubesim.dev/never-ready=true
pod p-never-img example.com/never-ready:1
t=$(now_ms)
"${K[@]}" -n "${NS}" wait --for=condition=Ready pod/p-default --timeout=30s >/dev/null || fail "p-default not Ready"
log "    p-default Ready $(( $(now_ms) - t )) ms after creation"
"${K[@]}" -n "${NS}" wait --for=condition=Ready pod/p-delayed --timeout=30s >/dev/null || fail "p-delayed not Ready"
log "    p-delayed Ready $(( $(now_ms) - t )) ms after creation"
d=$(ready_ms p-delayed)
(( d >= 2000 )) || fail "p-delayed became Ready only ${d} ms after start (want ~3000)"
sleep 2
for p in p-never-ann p-never-img; do
  expect_eq "$("${K[@]}" -n "${NS}" get pod "${p}" -o jsonpath='{.status.phase}')" Running "${p} phase"
  expect_eq "$("${K[@]}" -n "${NS}" get pod "${p}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" False "${p} Ready"
done
"${K[@]}" -n "${NS}" get pods -o wide | sed 's/^/    /'
# deletion: a running pod is removed 1 s after the delete request by default,
# after min(terminate-after-seconds, grace period) when it asks.
t=$(now_ms)
"${K[@]}" -n "${NS}" delete pod p-default --wait=true --timeout=30s >/dev/null || fail "p-default not deleted"
d=$(( $(now_ms) - t ))
(( d >= 800 && d < 5000 )) || fail "p-default deleted after ${d} ms (want ~1000)"
log "    p-default gone ${d} ms after the delete request"
pod p-slow-stop registry.k8s.io/pause:3.10 kubesim.dev/terminate-after-seconds=2
"${K[@]}" -n "${NS}" wait --for=condition=Ready pod/p-slow-stop --timeout=30s >/dev/null || fail "p-slow-stop not Ready"
t=$(now_ms)
"${K[@]}" -n "${NS}" delete pod p-slow-stop --wait=false >/dev/null
sleep 1
"${K[@]}" -n "${NS}" get pod p-slow-stop >/dev/null 2>&1 || fail "p-slow-stop vanished before terminate-after-seconds=2"
"${K[@]}" -n "${NS}" wait --for=delete pod/p-slow-stop --timeout=30s >/dev/null || fail "p-slow-stop not deleted"
d=$(( $(now_ms) - t ))
(( d >= 1800 )) || fail "p-slow-stop deleted after ${d} ms (want ~2000)"
log "    p-slow-stop gone ${d} ms after the delete request"
step "pod conventions hold (default start/stop, ready-after-seconds=3, never-ready x2, terminate-after-seconds=2)"

# 5. ConfigMap checks on the real node (kubelet + containerd) ---------------------------
if [[ "${REAL_NODE_ENABLED}" == 1 ]]; then
  RNS=kubesim-smoke-real
  "${K[@]}" delete namespace "${RNS}" --ignore-not-found --wait=true >/dev/null
  "${K[@]}" create namespace "${RNS}" >/dev/null
  "${K[@]}" label namespace "${RNS}" kubesim.dev/node=real >/dev/null
  until "${K[@]}" -n "${RNS}" get serviceaccount default >/dev/null 2>&1; do sleep 0.2; done
  "${K[@]}" -n "${RNS}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: p-env-cm}
spec:
  containers:
  - name: c
    image: rainbow/mc-user:1.0.RELEASE
    env: [{name: X, valueFrom: {configMapKeyRef: {name: smoke-cfg, key: x}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: p-vol-cm}
spec:
  volumes: [{name: v, configMap: {name: smoke-cfg}}]
  containers:
  - name: c
    image: rainbow/mc-user:1.0.RELEASE
    volumeMounts: [{name: v, mountPath: /cfg}]
EOF
  waiting_reason() { "${K[@]}" -n "${RNS}" get pod "$1" -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'; }
  waiting_message() { "${K[@]}" -n "${RNS}" get pod "$1" -o jsonpath='{.status.containerStatuses[0].state.waiting.message}'; }
  for _ in $(seq 1 100); do
    [[ "$(waiting_reason p-env-cm)" == CreateContainerConfigError && -n "$(waiting_reason p-vol-cm)" ]] && break
    sleep 0.2
  done
  expect_eq "$("${K[@]}" -n "${RNS}" get pod p-env-cm -o jsonpath='{.spec.nodeName}')" "${REAL_NODE}" "p-env-cm's node"
  expect_eq "$(waiting_reason p-env-cm)" CreateContainerConfigError "p-env-cm without its ConfigMap"
  expect_eq "$(waiting_message p-env-cm)" 'configmap "smoke-cfg" not found' "p-env-cm message"
  expect_eq "$(waiting_reason p-vol-cm)" ContainerCreating "p-vol-cm without its ConfigMap"
  "${K[@]}" -n "${RNS}" create configmap smoke-cfg --from-literal=y=1 >/dev/null
  for _ in $(seq 1 150); do [[ "$(waiting_message p-env-cm)" == "couldn't find key x"* ]] && break; sleep 0.2; done
  expect_eq "$(waiting_message p-env-cm)" "couldn't find key x in ConfigMap ${RNS}/smoke-cfg" "p-env-cm message (key missing)"
  "${K[@]}" -n "${RNS}" patch configmap smoke-cfg -p '{"data":{"x":"1"}}' >/dev/null
  "${K[@]}" -n "${RNS}" wait --for=condition=Ready pod/p-env-cm pod/p-vol-cm --timeout=60s >/dev/null || fail "ConfigMap pods not Ready"
  expect_eq "$("${K[@]}" -n "${RNS}" exec p-env-cm -- printenv X)" 1 "X in p-env-cm (kubectl exec printenv)"
  expect_eq "$("${K[@]}" -n "${RNS}" exec p-vol-cm -- cat /cfg/x)" 1 "/cfg/x in p-vol-cm (kubectl exec cat)"
  "${K[@]}" -n "${RNS}" get events --field-selector type=Warning -o custom-columns=REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message | sed 's/^/    /'
  "${K[@]}" delete namespace "${RNS}" --wait=false >/dev/null
  step "real node: CreateContainerConfigError / ContainerCreating until the ConfigMap and key exist, then exec printenv/cat"
fi

# cleanup -------------------------------------------------------------------------
"${K[@]}" delete namespace "${NS}" --wait=true --timeout=60s >/dev/null || fail "namespace deletion"
step "namespace deleted (pods removed by kwok, namespace controller finished)"
log "smoke test passed in $(( $(now_ms) - T0 )) ms"
