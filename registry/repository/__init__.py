"""All SQL of the registry lives in this package, one module per concern."""
