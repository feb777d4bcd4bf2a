"""Bind `service.feature` to pytest (steps come from the `steps` plugins in the root conftest)."""

from pytest_bdd import scenarios

scenarios("service.feature")
