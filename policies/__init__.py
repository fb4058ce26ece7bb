"""Governance policies as code: one resource model, a Databricks rule pack, waivers and reports."""
