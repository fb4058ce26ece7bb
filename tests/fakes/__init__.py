"""In-process fakes for the services lakestack talks to (there is no Databricks in tests)."""
