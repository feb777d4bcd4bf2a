"""The Deployment controller, one file per decision as upstream's `pkg/controller/deployment`."""

from .controller import sync_deployment

__all__ = ["sync_deployment"]
