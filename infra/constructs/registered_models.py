"""Registered models in `<catalog>.ml`, with role-based grants.

Terraform declares the model and who may use it; aliases (`Champion`, `Challenger`) belong to the
deployment task and are never set here, so promotion never shows up as Terraform drift.
"""

from __future__ import annotations

from infra.cdk import Construct, Grants, ITerraformDependable, RegisteredModel
from infra.config.model import MODEL_SCHEMA, Environment, ModelConfig
from infra.constructs.governed_catalog import role_grants
from infra.constructs.naming import named
from infra.constructs.protection import lifecycle


class GovernedModel(Construct):
    def __init__(self, scope: Construct, id_: str, *, env: Environment, model: ModelConfig, owner: str,
                 schema: ITerraformDependable) -> None:
        super().__init__(scope, id_)
        self.model = named(RegisteredModel(
            self, "model",
            catalog_name=env.catalog,
            schema_name=MODEL_SCHEMA,
            name=model.name,
            comment=model.description or f"{model.name} ({model.problem_type})",
            owner=owner,
            depends_on=[schema],
            lifecycle=lifecycle(env.protected),
        ), f"model_{model.name}")
        named(Grants(
            self, "grants", model=env.model_full_name(model), grant=role_grants(env, "model"),
            depends_on=[self.model],
        ), f"grants_model_{model.name}")
