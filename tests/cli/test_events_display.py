"""`kubesim get events` and `describe` over correlated events, as kubectl v1.36 prints them.

Expectations: client-go's correlator (`tools/record/events_cache.go`) leaves a 30-replica ReplicaSet with 9
single SuccessfulCreate events and one "(combined from similar events): ..." event of count 16 (25 written
by the spam filter's burst, the first 9 single); kubectl's `DescribeEvents` prints an event of count > 1 as
"<since last> (x<count> over <since first>)"; the server-side table of `kubectl get events` (`printEvent`)
shows LAST SEEN only, with the message as stored.
"""

from __future__ import annotations

import re


def test_thirty_replicas_read_as_on_a_real_cluster(kubesim):
    """On a 30-replica Deployment: 10 SuccessfulCreate rows in `get events` (one combined), and `describe rs`
    prints the combined one as "(x16 over ...)"."""
    text = open("deploy.yaml").read().replace("replicas: 3", "replicas: 30")
    open("d30.yaml", "w").write(text)
    assert kubesim("apply", "-f", "d30.yaml").code == 0
    rows = [ln for ln in kubesim("get", "events").out.splitlines() if "SuccessfulCreate" in ln]
    assert len(rows) == 10
    assert sum("(combined from similar events): Created pod: mc-user-" in ln for ln in rows) == 1
    assert all(re.match(r"\d+s +Normal +SuccessfulCreate +replicaset/mc-user-\w+ +", ln) for ln in rows)
    described = [ln for ln in kubesim("describe", "rs").out.splitlines() if "SuccessfulCreate" in ln]
    assert len(described) == 10
    (combined,) = [ln for ln in described if "combined" in ln]
    assert re.search(r"SuccessfulCreate +(\d+s) \(x16 over \1\) +replicaset-controller +\(combined from similar events\): Created pod: ", combined)
