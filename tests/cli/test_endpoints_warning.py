"""`kubesim get endpoints` prints the API server's deprecation warning on stderr, as kubectl v1.33+
does (`transcripts/kubectl-v1.36.txt`: ``kubectl get cm,ep`` on the real v1.36.3 cluster); other
kinds print none."""

from __future__ import annotations

import pytest

WARNING = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"


@pytest.mark.parametrize("args, warned", [(("ep",), True), (("cm,ep",), True), (("endpoints", "mc-user", "-o", "json"), True), (("svc",), False), (("all",), False)])
def test_endpoints_deprecation_warning(kubesim, args, warned):
    assert kubesim("apply", "-f", "deploy.yaml", "-f", "svc-31000.yaml").code == 0
    r = kubesim("get", *args)
    assert r.code == 0
    assert r.err == (WARNING if warned else "")
