"""The one resource model every rule reads, whatever the source (synth, plan or live workspace).

Adapters turn their input into Terraform-shaped `Resource`s (provider 1.99 attribute names) so a
rule is written once. Values Terraform only knows at apply time stay visible as `Unresolved`,
carrying the references they came from, so rules can still tell *who* a principal is (the
deployer service principal's application id) without knowing its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

SYNTH, PLAN, LIVE = "synth", "plan", "live"
# A stack's `terraform.backend` block, read from the synth as a resource of this pseudo-type so rules
# about where state lives work like any other rule.
BACKEND_TYPE = "terraform_backend"
DELETE, CREATE = "delete", "create"


@dataclass(frozen=True)
class Reference:
    """An attribute of another resource: `stack` + `address` (`type.name` or `data.type.name`) + `attribute`."""

    stack: str
    address: str
    attribute: str


@dataclass(frozen=True)
class Unresolved:
    """A value known only after apply; `refs` are the resources it is computed from, if known."""

    expression: str
    refs: tuple[Reference, ...] = ()

    def __str__(self) -> str:
        return self.expression

    @property
    def single(self) -> Reference | None:
        """The one reference when the whole value is exactly one resource attribute."""
        return self.refs[0] if len(self.refs) == 1 else None


@dataclass(frozen=True)
class Source:
    """Where a resource was read: the file (and line) for synth and plan, the host for live."""

    kind: str
    path: str | None = None
    line: int | None = None
    label: str = ""


@dataclass
class Parts:
    """What is inside a resource's attributes, at any depth: read by the rules that look at every string."""

    strings: list[str] = field(default_factory=list)  # literal strings
    unresolved: list[Unresolved] = field(default_factory=list)  # values known only after apply
    objects: list[dict[str, Any]] = field(default_factory=list)  # the attributes themselves among them

    def add(self, value: Any) -> None:
        """Add `value` and everything inside it."""
        _collect([value], self)


@dataclass
class Resource:
    """One Terraform resource (or data source) with its attributes as the source knows them."""

    address: str
    type: str
    name: str
    stack: str
    environment: str
    attributes: dict[str, Any]
    source: Source
    lifecycle: dict[str, Any] | None = None  # None: the source cannot tell (plan, live)
    provider: str | None = None
    mode: str = "managed"
    actions: tuple[str, ...] = ()  # plan only: no-op, create, update, delete, or delete+create
    # Addresses of the same stack this resource references or `depends_on`: Terraform's graph edges, so rules can
    # tell whether it is created after (and destroyed before) what it names. Synth only; empty otherwise.
    edges: tuple[str, ...] = ()
    # Given by an adapter whose own walk of the values found them (synth); walked on first use otherwise.
    parts: Parts | None = field(default=None, repr=False, compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attributes.get(key, default)

    @property
    def strings(self) -> list[str]:
        """Every literal string inside the attributes, at any depth."""
        return self._parts.strings

    @property
    def unresolved(self) -> list[Unresolved]:
        """Every value inside the attributes known only after apply, at any depth."""
        return self._parts.unresolved

    @property
    def objects(self) -> list[dict[str, Any]]:
        """Every object inside the attributes, the attributes themselves among them."""
        return self._parts.objects

    @property
    def _parts(self) -> Parts:
        """One walk of the attributes, shared by every rule that reads all of a resource's strings (a
        credential anywhere, a name of the same stack anywhere): at 1,000 models each walk costs a tenth
        of a second. The rules use them as sets, so the order is the walk's own."""
        if self.parts is None:
            self.parts = Parts()
            self.parts.add(self.attributes)
        return self.parts

    def first(self, *path: str) -> dict[str, Any]:
        """The nested block at `path` (Terraform JSON writes a block as an object or a one-item list)."""
        node: Any = self.attributes
        for key in path:
            node = first_block(node.get(key) if isinstance(node, dict) else None)
        return node if isinstance(node, dict) else {}

    def blocks(self, key: str) -> list[dict[str, Any]]:
        return blocks(self.attributes.get(key))

    @property
    def is_deleted(self) -> bool:
        """A plan removes this resource (and does not create it again)."""
        return DELETE in self.actions and CREATE not in self.actions

    @property
    def is_replaced(self) -> bool:
        return DELETE in self.actions and CREATE in self.actions


def _collect(container: dict[str, Any] | list[Any], parts: Parts) -> None:
    """Add what is inside `container` to `parts` (one call per object or list, none per scalar)."""
    for item in container.values() if isinstance(container, dict) else container:
        if isinstance(item, str):
            parts.strings.append(item)
        elif isinstance(item, dict):
            parts.objects.append(item)
            _collect(item, parts)
        elif isinstance(item, list):
            _collect(item, parts)
        elif isinstance(item, Unresolved):
            parts.unresolved.append(item)


def blocks(value: Any) -> list[dict[str, Any]]:
    """A repeated block as a list of objects, whether written as a list or a single object."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def first_block(value: Any) -> dict[str, Any]:
    found = blocks(value)
    return found[0] if found else {}


def literal(value: Any) -> str | None:
    """The value as text when it is known, else None."""
    if type(value) is str:
        return value  # the common case, asked tens of thousands of times at 1,000 models
    if value is None or isinstance(value, Unresolved | dict | list):
        return None
    return str(value)


@dataclass
class Inventory:
    """Every resource of one environment read from one source, indexed for the rules' lookups."""

    environment: str
    kind: str
    label: str
    workspace_id: int | None = None  # the audited workspace's id, when the source knows it (live)
    notes: list[str] = field(default_factory=list)  # what the source could not read, for the report
    resources: list[Resource] = field(default_factory=list)
    _by_type: dict[str, list[Resource]] = field(default_factory=dict, repr=False)
    _by_key: dict[tuple[str, str], Resource] = field(default_factory=dict, repr=False)
    _reachable: dict[tuple[str, str], set[str]] = field(default_factory=dict, repr=False)

    def add(self, resource: Resource) -> None:
        self.resources.append(resource)
        self._by_key[(resource.stack, resource.address)] = resource
        self._reachable.clear()  # a new resource may open new paths
        if resource.mode == "managed":
            self._by_type.setdefault(resource.type, []).append(resource)

    def extend(self, resources: Iterable[Resource]) -> None:
        for resource in resources:
            self.add(resource)

    def of_type(self, *types: str) -> Iterator[Resource]:
        """Managed resources of these types that exist after the change (planned deletes left out)."""
        for rtype in types:
            for resource in self._by_type.get(rtype, ()):
                if not resource.is_deleted:
                    yield resource

    def changes(self) -> Iterator[Resource]:
        """Resources a plan acts on (create, update, delete, replace)."""
        return (r for r in self.resources if r.actions and r.actions != ("no-op",) and r.actions != ("read",))

    def lookup(self, reference: Reference) -> Resource | None:
        return self._by_key.get((reference.stack, reference.address))

    def target(self, value: Any) -> Resource | None:
        """The resource an unresolved value points at, when it is exactly one reference."""
        if isinstance(value, Unresolved) and value.single is not None:
            return self.lookup(value.single)
        return None

    def depends_on(self, resource: Resource, target: Resource) -> bool:
        """Whether `target` (same stack) is reachable from `resource` along references and `depends_on`."""
        if resource.stack != target.stack:
            return False
        if target.address in resource.edges:
            return True  # most names are reached through a direct reference: no search
        for address in resource.edges:  # else through what it references, searched once for all its users
            node = self._by_key.get((resource.stack, address))
            if node is not None and target.address in self.reachable(node):
                return True
        return False

    def reachable(self, resource: Resource) -> set[str]:
        """Every address of its stack reachable from `resource` along edges (itself only through a cycle).

        Searched once per resource, and a search that meets a resource already searched takes its
        answer instead of going on: at 1,000 models thousands of tables reach their catalog through
        the same schema.
        """
        key = (resource.stack, resource.address)
        found = self._reachable.get(key)
        if found is not None:
            return found
        found, todo = set(), list(resource.edges)
        while todo:
            address = todo.pop()
            if address in found:
                continue
            found.add(address)
            known = self._reachable.get((resource.stack, address))
            if known is not None:
                found |= known
                continue
            node = self._by_key.get((resource.stack, address))
            todo.extend(node.edges if node is not None else ())
        self._reachable[key] = found
        return found

    def find(self, rtype: str, **attributes: Any) -> Resource | None:
        """The first resource of `rtype` whose attributes equal the given literal values."""
        for resource in self.of_type(rtype):
            if all(literal(resource.get(k)) == str(v) for k, v in attributes.items()):
                return resource
        return None
