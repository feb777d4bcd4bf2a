"""The differential runner's tests.

`conformance/` holds the budgeted profile and the planted-divergence test that CI's
conformance step runs against the driver given by ``--driver``/``--kube-context``
(`python -m pytest tests/differential/conformance --driver cluster --kube-context kubesim-local`);
they take minutes on a real cluster, so the default test run leaves them out. Named
explicitly, as above, they are collected.
"""

collect_ignore = ["conformance"]
