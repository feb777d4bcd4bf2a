"""`kubesim delete --cascade=foreground|orphan` seen through `get` (upstream garbage collector).

The API server marks the owner (deletionTimestamp) and adds the `foregroundDeletion` or
`orphan` finalizer (`deletionFinalizersForGarbageCollection`); the object is gone once the
garbage collector has removed the finalizer.
"""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("cascade, finalizer", [("foreground", "foregroundDeletion"), ("orphan", "orphan")])
def test_delete_with_cascade_marks_the_owner_until_the_collector_is_done(kubesim, cascade, finalizer):
    assert kubesim("apply", "-f", "deploy.yaml").code == 0
    r = kubesim("delete", "deployment", "mc-user", f"--cascade={cascade}", "--no-settle")
    assert (r.code, r.out) == (0, 'deployment.apps "mc-user" deleted from default namespace\n')
    md = json.loads(kubesim("get", "deployment", "mc-user", "-o", "json").out)["metadata"]
    assert md["finalizers"] == [finalizer] and md["deletionTimestamp"]
    assert kubesim("advance", "10s").code == 0
    r = kubesim("get", "deployment", "mc-user")
    assert (r.code, r.err) == (1, 'Error from server (NotFound): deployments.apps "mc-user" not found\n')
    rs = kubesim("get", "rs").out
    assert ("mc-user-" in rs) == (cascade == "orphan")
