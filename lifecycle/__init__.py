"""The model lifecycle the MLOps jobs run, one package per stage (after MLOps Stacks' project layout).

- `training/`: train on governed, versioned data and register a version; the metrics shared with validation.
- `validation/`: challenger against champion on the same evaluation data.
- `deployment/`: registry aliases, the serving endpoint's served entities, promotion and rollback.
- `batch_inference/`: score the batch input with the champion.
- `monitoring/`: unpack served requests, drift checks, the retraining decision.
- `jobs/`: the files the Databricks job tasks run (entry points only).
- `commands/`: the `lakestack promote`, `rollback` and `demo` subcommands.
- `examples/`: a generator that only seeds example tables (the demo, the tests).
- `spark.py`: the one engine, the job's Spark on Databricks and local PySpark + Delta Lake elsewhere;
  `catalog/` holds the local catalog plugin that gives environment catalogs their three-level names.
"""
