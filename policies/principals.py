"""Who a principal is: the deployer, another service principal, a group, a user, or everyone.

Unity Catalog grants name principals by text (a group name, a user's email, a service
principal's application id); Terraform may name them by reference (the deployer's
`application_id`, known only after apply). Rules ask this module, never the raw string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from infra.config import Environment
from lakestack.terraform_json import CROSS_STACK_ADDRESS, environment_of_stack
from policies.model import Inventory, Resource, Unresolved, literal

ALL_USERS = frozenset({"account users", "users", "all users"})
APPLICATION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
SERVICE_PRINCIPAL_TYPES = ("databricks_service_principal",)
GROUP_TYPES = ("databricks_group",)
USER_TYPES = ("databricks_user",)


class Kind(StrEnum):
    DEPLOYER = "deployer service principal"
    SERVICE_PRINCIPAL = "service principal"
    GROUP = "group"
    USER = "user"
    ALL_USERS = "all users"
    UNKNOWN = "unknown principal"


@dataclass(frozen=True)
class Principal:
    kind: Kind
    name: str  # what a reader recognises: a group name, an email, a service principal's display name

    @property
    def is_service_principal(self) -> bool:
        return self.kind in (Kind.DEPLOYER, Kind.SERVICE_PRINCIPAL)

    @property
    def key(self) -> str:
        """The same principal compares equal whether declared by reference or read live by application id."""
        return f"sp:{self.name}" if self.is_service_principal else self.name


class Principals:
    """Classifies principals of one environment against its inventory and config."""

    def __init__(self, env: Environment, inventory: Inventory) -> None:
        self.env = env
        self.inventory = inventory
        self.machine_groups = {env.group(role) for role in env.config.deployer.member_of}
        self.role_of_group = {group: role for role, group in env.platform.groups.items()}
        self.deployer_names = {other.deployer_name: other.name for other in env.platform.envs()}
        self.by_application_id: dict[str, Resource] = {}
        self._known: dict[str | Unresolved, Principal] = {}
        for sp in inventory.of_type(*SERVICE_PRINCIPAL_TYPES):
            application_id = literal(sp.get("application_id"))
            if application_id:
                self.by_application_id[application_id.lower()] = sp

    def classify(self, value: Any) -> Principal:
        """Who `value` names. Each name and each unresolved value is classified once: grants and owners name the
        same few principals thousands of times."""
        if not isinstance(value, str | Unresolved):
            return self._classify(value)
        known = self._known.get(value)
        if known is None:
            known = self._known[value] = self._classify(value)
        return known

    def _classify(self, value: Any) -> Principal:
        target = self.inventory.target(value)
        if target is not None:
            return self._of_resource(target, value)
        if isinstance(value, Unresolved) and (other := self._other_deployer(value)) is not None:
            return Principal(Kind.SERVICE_PRINCIPAL, self.env.platform.env(other).deployer_name)
        if isinstance(value, Unresolved) or value is None:
            return Principal(Kind.UNKNOWN, str(value))
        text = str(value).strip()
        if text.lower() in ALL_USERS:
            return Principal(Kind.ALL_USERS, text)
        if "@" in text:
            return Principal(Kind.USER, text)
        if APPLICATION_ID.match(text):
            sp = self.by_application_id.get(text.lower())
            return self._service_principal(sp) if sp is not None else Principal(Kind.SERVICE_PRINCIPAL, text)
        return Principal(Kind.GROUP, text)

    def _of_resource(self, target: Resource, value: Any) -> Principal:
        if target.type in SERVICE_PRINCIPAL_TYPES:
            return self._service_principal(target)
        name = literal(target.get("display_name")) or literal(target.get("user_name")) or str(value)
        if target.type in GROUP_TYPES:
            return Principal(Kind.GROUP, name)
        if target.type in USER_TYPES:
            return Principal(Kind.USER, name)
        return Principal(Kind.UNKNOWN, str(value))

    def _service_principal(self, sp: Resource) -> Principal:
        name = literal(sp.get("display_name")) or sp.address
        kind = Kind.DEPLOYER if name == self.env.deployer_name else Kind.SERVICE_PRINCIPAL
        return Principal(kind, name)

    def deployer_environment(self, value: Any) -> str | None:
        """The environment whose deployer `value` names, this one or another, when it can be told.

        Synth: a reference to a service principal of an `<env>-account` stack (the deployer is its only one);
        plan: a value read from that stack's outputs (the only principal it outputs is the deployer's id);
        live, or a literal application id: the service principal's display name, when the inventory lists it.
        """
        return self.deployer_environment_of(self.classify(value))

    def deployer_environment_of(self, principal: Principal) -> str | None:
        """`deployer_environment` of a principal already classified."""
        if principal.kind is Kind.DEPLOYER:
            return self.env.name
        if principal.kind is Kind.SERVICE_PRINCIPAL:
            return self.deployer_names.get(principal.name)
        return None

    def _other_deployer(self, value: Unresolved) -> str | None:
        """Another environment whose account stack `value` reads a principal from (its deployer)."""
        for ref in value.refs:
            stack = None
            if ref.address.split(".")[0] in SERVICE_PRINCIPAL_TYPES:
                stack = ref.stack
            elif ref.address.startswith(CROSS_STACK_ADDRESS):  # in a principal position: the deployer's id
                stack = ref.address.removeprefix(CROSS_STACK_ADDRESS)
            environment = environment_of_stack(stack) if stack and stack.endswith("-account") else None
            if environment in self.env.platform.environments and environment != self.env.name:
                return environment
        return None

    def is_human_group(self, principal: Principal) -> bool:
        """Groups of people: every group except those the deployer belongs to (its machine groups)."""
        return principal.kind is Kind.GROUP and principal.name not in self.machine_groups

    def access_key(self, principal: Principal) -> tuple[str, ...] | None:
        """Where in platform.yaml this group's access is declared, if it is a configured role."""
        role = self.role_of_group.get(principal.name)
        if role is None:
            return None
        if role in self.env.config.access:
            return ("environments", self.env.name, "access", role)
        return ("groups", role)
