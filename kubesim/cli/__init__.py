"""The `kubesim` command line: kubectl's commands over an embedded simulated cluster."""

from .main import main

__all__ = ["main"]
