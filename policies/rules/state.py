"""Where Terraform state lives: a governed environment's state must outlive the machine that applied it."""

from __future__ import annotations

from collections.abc import Iterator

from policies.model import BACKEND_TYPE, SYNTH, literal
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import env_key


def state_is_remote(ctx: Context) -> Iterator[Violation]:
    for backend in ctx.inventory.of_type(BACKEND_TYPE):
        if literal(backend.get("type")) == "local":
            yield Violation(backend, f"stack '{backend.stack}' of {ctx.env.name} keeps its Terraform state in a local "
                                     f"file ({backend.get('path')})", env_key(ctx.env, "backend"))


RULES = (
    Rule(
        id="LS-STATE-001",
        title="Governed environments keep Terraform state in a remote backend",
        severity=Severity.HIGH,
        resource_types=(BACKEND_TYPE,),
        scope=Scope.GOVERNED,
        rationale="Local state lives on one machine: a CI runner discards it after every run, so the next apply "
                  "starts from nothing and tries to create the platform again; it cannot be locked against two "
                  "concurrent applies, and it holds the platform's attributes unencrypted on disk.",
        remediation="Set `environments.<env>.backend` to `s3` (with a lock table and encryption), `azurerm`, `gcs` "
                    "or `remote` in platform.yaml.",
        check=state_is_remote,
        sources=(SYNTH,),
    ),
)
