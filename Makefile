.PHONY: cluster-build cluster-up cluster-down cluster-smoke

# Local Kubernetes control plane (see cluster/README.md).
cluster-build:
	cluster/build.sh

cluster-up:
	cluster/up.sh

cluster-down:
	cluster/down.sh

cluster-smoke:
	cluster/smoke.sh
