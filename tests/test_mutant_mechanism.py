"""How `kubesim.mutants` breaks the model: in place, so that no name a rule is imported under escapes it.

A mutant changes the model's function object itself (`kubesim.mutants._replace`); it rebinds
no name. So a module that imports a rule under a new name (``from kubesim.model.pods import
is_available as ok``) runs the broken rule too, and leaving the mutant restores every function.
"""

from __future__ import annotations

import sys
import types

import pytest

from kubesim.model.clock import DEFAULT_EPOCH, rfc3339
from kubesim.model.pods import is_available as aliased_is_available
from kubesim.mutants import MUTANTS, mutant


def test_a_from_import_alias_runs_the_broken_rule():
    """`podutil.IsPodAvailable`: a pod Ready since t=0 with minReadySeconds 10 is not available at t=5 s;
    the `min_ready_seconds_ignored` mutant says it is, through any name."""
    pod = {"metadata": {"name": "p"}, "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(DEFAULT_EPOCH, 0)}]}}
    assert not aliased_is_available(pod, 10, 5_000, DEFAULT_EPOCH)
    with mutant("min_ready_seconds_ignored"):
        assert aliased_is_available(pod, 10, 5_000, DEFAULT_EPOCH)
    assert not aliased_is_available(pod, 10, 5_000, DEFAULT_EPOCH)


def _model_functions() -> dict:
    """(module, name) -> (function, its code) for every function bound in a loaded `kubesim.model` module."""
    out = {}
    for mod_name, mod in list(sys.modules.items()):
        if mod_name == "kubesim.model" or mod_name.startswith("kubesim.model."):
            for attr, value in list(vars(mod).items()):
                if isinstance(value, types.FunctionType):
                    out[(mod_name, attr)] = (value, value.__code__)
    return out


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_a_mutant_changes_functions_in_place_and_restores_them(name):
    before = _model_functions()
    with mutant(name):
        during = _model_functions()
        assert before.keys() <= during.keys()
        rebound = [k for k in before if during[k][0] is not before[k][0]]
        assert not rebound, f"{name} rebinds names, which an alias would escape: {rebound}"
        changed = [k for k in before if during[k][1] is not before[k][1]]
        assert changed, f"{name} changes no model function"
    after = _model_functions()
    assert after.keys() == before.keys()
    assert [k for k in before if after[k][1] is not before[k][1]] == []
