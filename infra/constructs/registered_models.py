"""Registered models in `<catalog>.ml`, with role-based grants, and the batch predictions table of each.

Terraform declares the model and who may use it (under deploy-model, the next environment's deployer
may EXECUTE it: read and copy its versions); aliases (`Champion`, `Challenger`) belong to the
deployment task and are never set here, so promotion never shows up as Terraform drift. The batch
predictions table is lakestack's own output, declared with the columns the batch inference job writes
(`infra.config.data.batch_prediction_columns`); people reach it through the `ml` schema's grants, so
readers (data scientists in staging and prod) can SELECT it and never write it.
"""

from __future__ import annotations

from infra.cdk import Construct, Grants, RegisteredModel, SqlTable, SqlTableColumn
from infra.config.data import batch_prediction_columns
from infra.config.model import Environment, ModelConfig
from infra.constructs.governed_catalog import role_grants
from infra.constructs.naming import terraform_name
from infra.constructs.protection import lifecycle
from infra.constructs.references import ObjectName, SchemaName, object_full_name


class GovernedModel:
    def __init__(self, stack: Construct, *, env: Environment, model: ModelConfig, owner: str,
                 schema: SchemaName, warehouse_id: str, reader: str | None = None) -> None:
        """`schema`: the models' schema of this stack, reached through references (created first, destroyed last).
        `reader`: the application id of the deployer that receives this model's versions (deploy-model), if any."""
        self.model = RegisteredModel(
            stack, terraform_name(f"model_{model.name}"),
            catalog_name=schema.catalog_name,
            schema_name=schema.name,
            name=model.name,
            comment=model.description or f"{model.name} ({model.problem_type})",
            owner=owner,
            lifecycle=lifecycle(env.protected),
        )
        self.model_name = ObjectName.of(self.model)
        Grants(
            stack, terraform_name(f"grants_model_{model.name}"), model=object_full_name(self.model_name),
            grant=role_grants(env, "model", [reader] if reader else []),
        )
        self.batch_predictions = SqlTable(
            stack, terraform_name(f"batch_predictions_{model.name}"),
            catalog_name=schema.catalog_name,
            schema_name=schema.name,
            name=env.batch_predictions_table(model).rsplit(".", 1)[1],
            table_type="MANAGED",
            data_source_format="DELTA",
            comment=f"Batch predictions of {env.model_full_name(model)} by the Champion, one set per job run; "
                    "written by lakestack's batch inference job",
            column=[SqlTableColumn(name=name, type=kind)
                    for name, kind in batch_prediction_columns(model, env.platform.feature_tables)],
            owner=owner,
            warehouse_id=warehouse_id,
            lifecycle=lifecycle(env.protected),
        )
