"""Differential conformance: the same generated scripts on two drivers, compared state by state.

Any two drivers (`kubesim.driver.Driver`: the model, a real cluster, a third party's)
run the same kubectl-style script, each in a fresh namespace; after every request both
settle, and the runner compares the request's outcome and a normalised observation
(`observe`). A difference not accepted by the catalogue (`catalogue.yaml`) is a
divergence; Hypothesis shrinks it and the runner prints it as a replayable script with
the two observations side by side.

``python -m kubesim.differential --a model --b cluster --kube-context CTX -n N`` runs a
profile (`runner.PROFILES`) and writes the results table; ``--replay FILE`` compares one
script. The mutants of `kubesim.mutants` break one side only (`runner.Mutated`).
"""

from .catalogue import Catalogue, CatalogueError
from .runner import PROFILES, Report, Result, Search, Side, Stats, compare, run_profile, search

__all__ = ["Catalogue", "CatalogueError", "PROFILES", "Report", "Result", "Search", "Side", "Stats", "compare", "run_profile", "search"]
