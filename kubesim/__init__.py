"""kubesim: the kit around the model — drivers, invariants, the CLI, the report."""
