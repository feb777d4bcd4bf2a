.PHONY: cluster-build cluster-up cluster-down cluster-smoke

# Local Kubernetes control plane (see cluster/README.md).
# cluster-build is a no-op (about 1 s) when the binaries are up to date.
cluster-build:
	cluster/build.sh

cluster-up: cluster-build
	cluster/up.sh

cluster-down:
	cluster/down.sh

cluster-smoke:
	cluster/smoke.sh

.PHONY: conformance
# Every scenario on the model and on the local control plane, side by side (kubesim/conformance.py).
conformance:
	python3 -m kubesim.conformance

.PHONY: differential
# Generated scripts on the model and on the local control plane, compared step by step
# (kubesim/differential). Needs a running cluster (make cluster-up). N scripts, long profile;
# the results table goes to report/differential/differential.md. B=model compares model with model;
# SEED and WORKERS (parallel shards) as python -m kubesim.differential takes them.
N ?= 300
A ?= model
B ?= cluster
SEED ?= 0
WORKERS ?= 3
differential:
	KUBECONFIG=$${KUBECONFIG:-$(CURDIR)/cluster/_run/kubeconfig} python3 -m kubesim.differential --a $(A) --b $(B) --kube-context kubesim-local -n $(N) --profile long --seed $(SEED) --workers $(WORKERS) --out report/differential
