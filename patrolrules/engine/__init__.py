"""The generic rules engine: decision tables, loader, evaluators, verifier. Knows nothing about land."""
