"""Task code the MLOps jobs run: train, validate, deploy, batch inference, drift check."""
