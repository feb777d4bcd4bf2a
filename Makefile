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
