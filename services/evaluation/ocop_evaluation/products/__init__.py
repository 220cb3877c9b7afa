"""The evaluation service's read model of the registry's products (fed by product events)."""
