"""Reusable lakestack constructs (L2): each one a governed Databricks building block.

CDKTF and provider imports are kept in these modules and `infra/stacks/`, so a move to the
community fork (CDK Terrain) touches few files.
"""
