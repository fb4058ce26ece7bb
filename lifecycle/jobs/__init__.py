"""Job entry points: thin files that Databricks job tasks run."""
