"""lakestack: a Databricks MLOps platform in code."""

__version__ = "0.1.0"
