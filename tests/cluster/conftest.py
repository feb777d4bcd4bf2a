"""What the tests against the local cluster share: the cluster context (skipped without one)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def context() -> str:
    """The kubeconfig context of the local cluster; `make conformance` sets KUBESIM_CLUSTER_CONTEXT."""
    ctx = os.environ.get("KUBESIM_CLUSTER_CONTEXT")
    if not ctx:
        pytest.skip("needs the local cluster: `make conformance` runs this against it")
    return ctx
