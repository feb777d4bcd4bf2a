"""Image conventions: how a pod asks for special container behaviour, on any node.

One definition for the model's node agent (`model.kubelet`) and the real node of the local
cluster (`cluster/images.py` builds the images and the admission policy from it):

| convention | the model | the real node (kubelet + containerd) |
| --- | --- | --- |
| an image whose name contains ``never-ready`` | runs, never ready | the image's init answers its readiness probe with 503 |
| annotation ``kubesim.dev/never-ready: "true"`` | runs, never ready | the injected probe asks a path that always fails |
| annotation ``kubesim.dev/ready-after-seconds: "N"`` | ready N s after the start | the injected probe passes N s after the init started |
| an image whose name contains ``crash-after-Ns`` | exits with code 1 N s after each start | the image's init exits with code 1 after N s |
| annotation ``kubesim.dev/terminate-after-seconds: "N"`` | stops N s after SIGTERM (capped by the grace period) | a preStop hook sleeps N s (the kubelet caps it by the grace period) |
| crash fault (`Driver.crash`) | exit code 1, restart | the init exits with code 1 on SIGUSR1 (sent with ``kill -USR1 1``) |
| readiness fault (`Driver.set_readiness`) | forced ready / not ready | the init answers the probe from a file in the container |

N is a decimal number of seconds; a value that does not parse counts as 0 (as the model
and the KWOK stages read it). Every image of the real node runs the same tiny init as
PID 1 (`cluster/images/init.c`): it exits at once on SIGTERM, as the model's default
1 s shutdown assumes nothing slow, and it serves the readiness probe on `PROBE_PORT`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from functools import lru_cache

from .state import ImageBehaviour

NEVER_READY_ANNOTATION = "kubesim.dev/never-ready"
READY_AFTER_ANNOTATION = "kubesim.dev/ready-after-seconds"
TERMINATE_AFTER_ANNOTATION = "kubesim.dev/terminate-after-seconds"

#: An image whose name contains this never becomes ready.
NEVER_READY_MARK = "never-ready"
#: An image whose name contains ``crash-after-<N>s`` exits with code 1 N seconds after each start.
CRASH_AFTER = re.compile(r"crash-after-(\d+(?:\.\d+)?)s")

# --- the real node's side --------------------------------------------------------------
#: The init's readiness endpoint (HTTP, in the pod's network namespace).
PROBE_PORT = 8080
READY_PATH = "/ready"
#: The query the probe adds for ``ready-after-seconds`` (the init compares with its uptime).
READY_AFTER_QUERY = "after"
#: A path the init always answers with 503 (the ``never-ready`` annotation).
NEVER_READY_PATH = "/never-ready"
#: The init answers the probe from this file if it exists: "1" ready, "0" not ready.
READINESS_FILE = "/tmp/kubesim-ready"
#: The init exits with code 1 on this signal (a crash).
CRASH_SIGNAL = "USR1"
#: Environment the image itself carries (in its config) for the init.
ENV_NEVER_READY = "KUBESIM_NEVER_READY"
ENV_CRASH_AFTER = "KUBESIM_CRASH_AFTER_SECONDS"

_NORMAL, _NEVER_READY = ImageBehaviour(), ImageBehaviour(never_ready=True)


@lru_cache(maxsize=4096)
def named_behaviour(image: str) -> ImageBehaviour:
    """What an image's name asks for (``never-ready``, ``crash-after-Ns``)."""
    b = _NEVER_READY if NEVER_READY_MARK in image else _NORMAL
    m = CRASH_AFTER.search(image)
    if m:
        b = replace(b, crash_after_ms=int(float(m.group(1)) * 1000))
    return b


def image_behaviour(st, pod: dict, image: str) -> ImageBehaviour:
    """The behaviour of `image` in `pod`: `Config.images` if it names the image, else the
    image's name; then the pod's annotations."""
    b = st.config.images.get(image)
    if b is None:
        b = named_behaviour(image)
    ann = pod["metadata"].get("annotations") or {}
    if ann.get(NEVER_READY_ANNOTATION) == "true":
        b = replace(b, never_ready=True)
    if READY_AFTER_ANNOTATION in ann:
        try:
            b = replace(b, ready_after_ms=int(float(ann[READY_AFTER_ANNOTATION]) * 1000))
        except ValueError:
            pass
    return b


def image_env(image: str) -> dict[str, str]:
    """The environment a real-node image carries so that its init behaves as its name says."""
    b = named_behaviour(image)
    env = {}
    if b.never_ready:
        env[ENV_NEVER_READY] = "1"
    if b.crash_after_ms is not None:
        env[ENV_CRASH_AFTER] = f"{b.crash_after_ms / 1000:g}"
    return env


def _image_ref(image: str) -> str:
    name = image if "/" in image.split(":")[0] or "." in image.split("/")[0] else f"library/{image}" if "/" not in image else image
    if ":" not in name.split("/")[-1] and "@" not in name:
        name += ":latest"
    first = name.split("/")[0]
    return name if ("." in first or ":" in first) else f"docker.io/{name}"


@lru_cache(maxsize=1024)
def image_ids(image: str) -> tuple[str, str]:
    """(image reference, imageID) as the container status shows them (pure in `image`)."""
    ref = _image_ref(image)
    return ref, f"{ref.rsplit(':', 1)[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


__all__ = [
    "NEVER_READY_ANNOTATION",
    "READY_AFTER_ANNOTATION",
    "TERMINATE_AFTER_ANNOTATION",
    "NEVER_READY_MARK",
    "CRASH_AFTER",
    "image_behaviour",
    "named_behaviour",
    "image_env",
    "image_ids",
]
