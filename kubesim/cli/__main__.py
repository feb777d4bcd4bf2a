"""`python -m kubesim.cli`."""

import sys

from .main import main

sys.exit(main())
