"""The article as Gherkin scenarios (installed as `kubesim.features`).

`DIR` is this folder, wherever kubesim is installed; `MANIFESTS` holds the article's
manifests, which the scenarios, the tour and the tests read.
"""

from pathlib import Path

DIR = Path(__file__).resolve().parent
MANIFESTS = DIR / "manifests"
