"""pytest setup for the model's unit tests: the helpers live in `simkit.py` beside this file.

They sit in a module with a distinctive name (not in this conftest) so that test modules can
import them even when other directories bring their own `conftest.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
