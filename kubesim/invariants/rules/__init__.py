"""The rules, one module per layer; importing this package registers them all, in the order the monitor runs them."""

from . import shape, state, step, env, settled, history, request  # noqa: F401  (registration order)
