"""Bootstrap: MLOps job specs from config, seeded idempotently into each workspace."""
