"""A third party's implementation, as a driver: what a vendor would write to run the suite.

`AcmeDriver` stands for someone's own Kubernetes-like system. Here it is the model with
one rule broken (its rolling update may surge one pod more than maxSurge allows), run
through nothing but the public `Driver` interface. `FaithfulAcmeDriver` is the same
wrapper without the bug, to show that the suite fails because of the rule, not the wrapper.
"""

from __future__ import annotations

import functools

from kubesim.drivers.model import ModelDriver
from kubesim.mutants import mutant

_REQUESTS = ("apply", "delete", "scale", "set_image", "rollout_undo", "rollout_restart", "rollout_pause", "rollout_resume", "settle", "advance")


class FaithfulAcmeDriver(ModelDriver):
    """The wrapper alone: every request passes through unchanged."""

    name = "acme"
    bug: str | None = None

    def __getattribute__(self, attr):
        value = super().__getattribute__(attr)
        bug = super().__getattribute__("bug")
        if bug is None or attr not in _REQUESTS:
            return value

        @functools.wraps(value)
        def broken(*args, **kwargs):
            with mutant(bug):
                return value(*args, **kwargs)

        return broken


class AcmeDriver(FaithfulAcmeDriver):
    """Acme's controller lets a rolling update exceed maxSurge by one pod."""

    bug = "surge_off_by_one"
