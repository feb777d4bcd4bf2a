"""The Deployment controller, one file per decision as upstream's `pkg/controller/deployment`."""

from .controller import CONTROLLER, sync_deployment

__all__ = ["CONTROLLER", "sync_deployment"]
