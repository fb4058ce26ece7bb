"""Reusable lakestack constructs (L2): each one a governed Databricks building block.

CDK and provider classes come from `infra.cdk`, the one module that imports the CDK engine
(CDKTF by default, CDK Terrain as an option; docs/cdk-engine.md).
"""
