"""Identities and secrets: jobs run as service principals, nobody is made workspace admin by code, no
long-lived tokens, no workspace open to all IPs."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from operator import attrgetter
from typing import Any

from lakestack.secrets import credential_shaped, credential_shaped_among
from policies.model import LIVE, PLAN, SYNTH, Inventory, Unresolved, literal
from policies.principals import Kind
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import env_key

JOB_TYPES = ("databricks_job",)
SECRET_TYPES = ("databricks_token", "databricks_obo_token", "databricks_service_principal_secret")
IP_LIST_TYPES = ("databricks_ip_access_list",)
TOKEN_TYPES = ("databricks_token",)
ASSIGNMENT_TYPES = ("databricks_mws_permission_assignment", "databricks_permission_assignment")
OPEN_RANGES = ("0.0.0.0/0", "::/0")
EXPRESSION_OF = attrgetter("expression")  # how an unresolved value reads in the synth


def jobs_run_as_service_principal(ctx: Context) -> Iterator[Violation]:
    for job in ctx.inventory.of_type(*JOB_TYPES):
        run_as = job.first("run_as")
        if not run_as:
            continue  # Terraform-created without run_as: the job runs as its creator, the deployer
        identity = run_as.get("service_principal_name") or run_as.get("user_name") or run_as.get("group_name")
        principal = ctx.principals.classify(identity)
        declared_as_user = run_as.get("user_name") is not None and not principal.is_service_principal
        if declared_as_user or principal.kind in (Kind.USER, Kind.ALL_USERS, Kind.GROUP):
            yield Violation(job, f"job '{job.get('name')}' in {ctx.env.name} runs as {principal.kind} "
                                 f"'{principal.name}'; scheduled work must run as a service principal",
                            env_key(ctx.env, "jobs"))


def no_admin_assignments(ctx: Context) -> Iterator[Violation]:
    for assignment in ctx.inventory.of_type(*ASSIGNMENT_TYPES):
        permissions = [str(p).upper() for p in assignment.get("permissions") or []]
        if "ADMIN" in permissions:
            yield Violation(assignment, f"{assignment.address} makes its principal an ADMIN of the {ctx.env.name} "
                                        "workspace")


def no_long_lived_secrets(ctx: Context) -> Iterator[Violation]:
    for resource in ctx.inventory.of_type(*SECRET_TYPES):
        yield Violation(resource, f"{resource.type} '{resource.name}' in {ctx.env.name} puts a long-lived "
                                  "credential in Terraform state")


def no_credential_values(ctx: Context) -> Iterator[Violation]:
    """Every string attribute of every resource, at any depth: a credential pasted anywhere (a description,
    a tag, a job parameter) lands in state, plans and reviews just like a token resource would."""
    shaped = ctx.memo("credential_shaped_texts", lambda: credential_shaped_texts(ctx.inventory))
    if not shaped:
        return  # the common case, answered once for the inventory
    for resource in ctx.inventory.resources:
        if shaped.isdisjoint(resource.strings) and shaped.isdisjoint(map(str, resource.unresolved)):
            continue  # answered from the shared walk; paths are only spelled for a finding
        paths = [path for path, text in string_attributes(resource.attributes) if credential_shaped(text)]
        if paths:
            yield Violation(resource, f"{resource.address} in {ctx.env.name} holds a value shaped like a credential "
                                      f"(a token, key or private key) in {', '.join(paths)}; the value is not "
                                      "shown here")


def credential_shaped_texts(inventory: Inventory) -> set[str]:
    """The distinct texts of the inventory (values known only after apply by their expression) that hold a
    credential's shape: each distinct text is judged once, and a resource holds one when it shares a text
    with this set (most inventories have none)."""
    texts: set[str] = set().union(*(resource.strings for resource in inventory.resources))
    texts.update(map(EXPRESSION_OF, chain.from_iterable(resource.unresolved for resource in inventory.resources)))
    return credential_shaped_among(texts)


def string_attributes(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, text) of every string inside `value`, expressions included."""
    if isinstance(value, str | Unresolved):
        yield path, str(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_attributes(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_attributes(item, f"{path}[{index}]")


def no_personal_access_tokens(ctx: Context) -> Iterator[Violation]:
    for token in ctx.inventory.of_type(*TOKEN_TYPES):
        yield Violation(token, f"a personal access token ('{token.get('comment') or token.name}', created by "
                               f"{token.get('owner') or 'unknown'}) exists in the {ctx.env.name} workspace: a "
                               "long-lived credential outside any review")


def ip_access_lists_not_open(ctx: Context) -> Iterator[Violation]:
    for access_list in ctx.inventory.of_type(*IP_LIST_TYPES):
        if (literal(access_list.get("list_type")) or "").upper() != "ALLOW":
            continue
        if access_list.get("enabled") is False:
            continue
        ranges = access_list.get("ip_addresses") or []
        open_ranges = [r for r in OPEN_RANGES if r in ranges]
        if open_ranges:
            yield Violation(access_list, f"IP access list '{access_list.get('label')}' in {ctx.env.name} allows "
                                         f"{', '.join(open_ranges)}: the workspace is reachable from any address")


RULES = (
    Rule(
        id="LS-ID-001",
        title="Jobs run as a service principal in governed environments",
        severity=Severity.HIGH,
        resource_types=JOB_TYPES,
        scope=Scope.GOVERNED,
        rationale="A job running as a person stops when they leave and acts with their personal privileges, "
                  "outside the grants reviewed for the platform.",
        remediation="Set `run_as { service_principal_name = <deployer application id> }` or let the deployer "
                    "create the job (lakestack bootstrap does).",
        check=jobs_run_as_service_principal,
    ),
    Rule(
        id="LS-ID-002",
        title="Workspace assignments grant USER, never ADMIN",
        severity=Severity.HIGH,
        resource_types=ASSIGNMENT_TYPES,
        scope=Scope.GOVERNED,
        rationale="A workspace admin can change every permission, token and cluster policy in the workspace, "
                  "including those that protect production data; no identity, the deployer included, needs it to "
                  "run the platform.",
        remediation="Assign `permissions = [\"USER\"]`; keep workspace administration with a few named admins "
                    "managed outside the platform code.",
        check=no_admin_assignments,
    ),
    Rule(
        id="LS-SEC-001",
        title="No personal access tokens, OBO tokens or service principal secrets in Terraform",
        severity=Severity.CRITICAL,
        resource_types=SECRET_TYPES,
        scope=Scope.ALL,
        rationale="These resources store a long-lived credential in Terraform state and plan output, readable by "
                  "anyone with state access; GitHub OIDC federation needs none.",
        remediation="Remove the resource; authenticate CI with the deployer's "
                    "`databricks_service_principal_federation_policy` (GitHub Actions OIDC).",
        check=no_long_lived_secrets,
        waivable=False,
        sources=(SYNTH, PLAN),
    ),
    Rule(
        id="LS-SEC-003",
        title="No credential-shaped value in any attribute",
        severity=Severity.CRITICAL,
        resource_types=("every resource type",),
        scope=Scope.ALL,
        rationale="A token or key pasted into any string (a description, a tag, a job parameter, a backend "
                  "option) is written to the synthesized JSON, the plan, the state and every review of them.",
        remediation="Remove the value; revoke the credential, since it has already been written down; give "
                    "credentials through environment variables, a secret scope or OIDC federation.",
        check=no_credential_values,
        waivable=False,
    ),
    Rule(
        id="LS-SEC-002",
        title="No personal access tokens in a governed workspace",
        severity=Severity.HIGH,
        resource_types=TOKEN_TYPES,
        scope=Scope.GOVERNED,
        rationale="A personal access token is a long-lived credential with its creator's privileges, usable from "
                  "anywhere until it expires; in staging and prod every automated caller can use OAuth or "
                  "federation instead.",
        remediation="Revoke the token (`databricks tokens revoke`, or token management as an admin) and move its "
                    "caller to a service principal with OAuth or GitHub OIDC; disable PATs in the workspace "
                    "settings where nothing needs them.",
        check=no_personal_access_tokens,
        sources=(LIVE,),
    ),
    Rule(
        id="LS-NET-001",
        title="No IP access list allows 0.0.0.0/0",
        severity=Severity.HIGH,
        resource_types=IP_LIST_TYPES,
        scope=Scope.ALL,
        rationale="An allow list containing 0.0.0.0/0 (or ::/0) allows every address, defeating the control "
                  "while appearing to enforce it.",
        remediation="List the corporate egress and CI runner ranges explicitly.",
        check=ip_access_lists_not_open,
    ),
)
