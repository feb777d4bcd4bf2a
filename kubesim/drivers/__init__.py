"""Built-in drivers: `model` (embedded, in-process) and `cluster` (any real cluster)."""
