"""Scenarios that end badly on purpose; `test_cleanup.py` runs them on a real cluster.

Each prints the namespace it got, so the caller can check that the driver deleted it.
Not collected by default (no ``test_`` prefix).
"""

from __future__ import annotations

import time

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: slow
spec:
  replicas: 1
  minReadySeconds: 300
  selector:
    matchLabels: {app: slow}
  template:
    metadata:
      labels: {app: slow}
    spec:
      containers:
      - name: slow
        image: rainbow/mc-user:1.0.RELEASE
"""


def test_fails(driver):
    print(f"NAMESPACE={driver.namespace}", flush=True)
    driver.apply(DEPLOYMENT)
    raise AssertionError("this scenario fails on purpose")


def test_times_out(driver):
    print(f"NAMESPACE={driver.namespace}", flush=True)
    driver.apply(DEPLOYMENT)
    driver.settle(timeout=3)  # minReadySeconds 300: still moving, so NotSettledError


def test_interrupted(driver):
    print(f"NAMESPACE={driver.namespace}", flush=True)
    driver.apply(DEPLOYMENT)
    time.sleep(120)  # the caller sends SIGINT meanwhile
