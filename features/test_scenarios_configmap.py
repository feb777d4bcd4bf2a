"""Bind `configmap.feature` to pytest (steps come from `kubesim.steps`, registered by kubesim's pytest plugin)."""

from pytest_bdd import scenarios

scenarios("configmap.feature")
