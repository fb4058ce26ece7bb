"""Synthesized `cdk.tf.json` stacks as inventories, one per environment, references resolved.

A value like `${databricks_catalog.catalog.name}` becomes the catalog's literal name; a value only
known at apply (`${databricks_service_principal.deployer.application_id}`) stays `Unresolved` with
the reference, so rules can still see it is the deployer. CDKTF's cross-stack references
(`data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>`) are followed
into the producing stack's output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lakestack.collector import collector_paused
from lakestack.terraform_json import CROSS_STACK_INPUT, SYNTH_FILE, environment_of_stack, parsed_synth_stacks
from policies.model import BACKEND_TYPE, SYNTH, Inventory, Parts, Reference, Resource, Source, Unresolved

EXPRESSION = re.compile(r"\$\{([^{}]+)\}")
TRAVERSAL = re.compile(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+(\[\d+\])*(\.[\w-]+)*$")
METADATA_KEYS = frozenset(("//", "lifecycle", "provider", "depends_on", "count", "for_each"))
# Metadata whose references are graph edges, though not resolved (`depends_on` is read as addresses, `lifecycle`
# and `//` are no edge).
EDGE_METADATA_KEYS = ("provider", "count", "for_each")
INDEX = re.compile(r"\[\d+\]")
ATTRIBUTE, OUTPUT = "attribute", "output"  # what a traversal reads
UNSEEN = object()  # a text not resolved yet (None is a value a text can resolve to)
CONTAINERS = (dict, list)

# Terraform ids that follow from literal attributes: a schema's id is `catalog.schema`, and so on.
DERIVED_IDS: dict[str, tuple[str, ...]] = {
    "databricks_catalog": ("name",),
    "databricks_schema": ("catalog_name", "name"),
    "databricks_registered_model": ("catalog_name", "schema_name", "name"),
    "databricks_sql_table": ("catalog_name", "schema_name", "name"),
}


def read_synth(synth_dir: Path) -> list[Inventory]:
    """One inventory per environment (its stack and its `<env>-account` stack together)."""
    synth_dir = Path(synth_dir)
    stacks = parsed_synth_stacks(synth_dir)
    with collector_paused():
        return list(_inventories(synth_dir, stacks).values())


def _inventories(synth_dir: Path, stacks: dict[str, dict[str, Any]]) -> dict[str, Inventory]:
    resolver = Resolver(stacks)
    inventories: dict[str, Inventory] = {}
    for stack in stacks:
        env = environment_of_stack(stack)
        path = str(synth_dir / "stacks" / stack / SYNTH_FILE)
        inventory = inventories.setdefault(env, Inventory(env, SYNTH, str(synth_dir)))
        source = Source(SYNTH, path, label=stack)
        inventory.extend(resolver.resources(stack, env, source))
        backend = backend_resource(stack, env, stacks[stack], source)
        if backend is not None:
            inventory.add(backend)
    return inventories


def backend_resource(stack: str, env: str, doc: dict[str, Any], source: Source) -> Resource | None:
    """The stack's state backend (`terraform.backend.<kind>`) as a `terraform_backend` resource."""
    backends = (doc.get("terraform") or {}).get("backend") or {}
    if not isinstance(backends, dict) or not backends:
        return None
    kind, options = next(iter(backends.items()))
    return Resource(address=f"{BACKEND_TYPE}.{kind}", type=BACKEND_TYPE, name=kind, stack=stack, environment=env,
                    attributes={"type": kind, **(options if isinstance(options, dict) else {})}, source=source)


def raw_blocks(doc: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(mode, type, name, body) of every resource and data source in a Terraform JSON document."""
    out = []
    for mode, section in (("managed", "resource"), ("data", "data")):
        for rtype, named in (doc.get(section) or {}).items():
            for name, body in (named or {}).items():
                if isinstance(body, dict):
                    out.append((mode, rtype, name, body))
    return out


def address_of(mode: str, rtype: str, name: str) -> str:
    return f"{rtype}.{name}" if mode == "managed" else f"data.{rtype}.{name}"


@dataclass
class Walk:
    """What resolving one resource met: its `${...}` texts (keys included, for its edges) and its parts."""

    texts: list[str] = field(default_factory=list)
    parts: Parts = field(default_factory=Parts)


class Resolver:
    """Resolves references across all stacks of a synth, each attribute once and each text once per stack.

    The walk that resolves a resource's attributes also keeps the texts holding `${...}` and what
    the resolved attributes hold, so its graph edges and the rules' reading of every string come from
    the same pass instead of further readings of the body.
    """

    def __init__(self, stacks: dict[str, dict[str, Any]]) -> None:
        self.stacks = stacks
        self.blocks = {stack: [(*block, address_of(*block[:3])) for block in raw_blocks(doc)]
                       for stack, doc in stacks.items()}
        self.raw: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
            (stack, address): (rtype, body) for stack, blocks in self.blocks.items()
            for _, rtype, _, body, address in blocks}
        self.addresses = {stack: {block[4] for block in blocks} for stack, blocks in self.blocks.items()}
        self.done: dict[tuple[str, str], tuple[dict[str, Any], Walk]] = {}
        self.active: set[tuple[str, str]] = set()
        self.texts: dict[tuple[str, str], Any] = {}
        # References met while their resource was still being resolved (a cycle): a text whose resolution met
        # one is not remembered, since the same text resolves further once that resource is done.
        self.cycles = 0

    def resources(self, stack: str, env: str, source: Source) -> list[Resource]:
        declared = self.addresses[stack]
        out = []
        for mode, rtype, name, body, address in self.blocks[stack]:
            attributes, walk = self.resolved(stack, address)
            out.append(Resource(
                address=address, type=rtype, name=name, stack=stack, environment=env,
                attributes=attributes, source=source,
                lifecycle=body.get("lifecycle") or {}, provider=body.get("provider"), mode=mode,
                edges=edges(body, walk.texts, declared), parts=walk.parts,
            ))
        return out

    def attributes(self, stack: str, address: str) -> dict[str, Any]:
        return self.resolved(stack, address)[0]

    def resolved(self, stack: str, address: str) -> tuple[dict[str, Any], Walk]:
        """A resource's attributes with their references resolved, and what the walk met: each resource once."""
        key = (stack, address)
        done = self.done.get(key)
        if done is None:
            done = self.done[key] = self.resolve(key)
        return done

    def resolve(self, key: tuple[str, str]) -> tuple[dict[str, Any], Walk]:
        body = self.raw[key][1]
        attributes = dict(body)
        for metadata in METADATA_KEYS & body.keys():
            del attributes[metadata]
        walk = Walk()
        self.active.add(key)
        try:
            return self.container(key[0], attributes, walk), walk
        finally:
            self.active.discard(key)

    def value(self, stack: str, value: Any, walk: Walk) -> Any:
        """`value` with its references resolved, and what it holds added to `walk`."""
        if type(value) is str:
            if "${" not in value:
                walk.parts.strings.append(value)
                return value
            return self.reference(stack, value, walk)
        if type(value) in CONTAINERS:
            return self.container(stack, value, walk)
        return value

    def container(self, stack: str, value: Any, walk: Walk) -> Any:
        """An object or list with its references resolved: itself when it holds none, else a copy.

        Most of a body holds no reference, so only the containers on the way to one are copied; the
        rest is shared with the parsed synth, which nothing changes. Plain strings are the most of a
        body: they are kept here, without a call.
        """
        is_object = type(value) is dict
        out: Any = value
        strings, objects = walk.parts.strings, walk.parts.objects
        at = len(objects)
        if is_object:
            objects.append(value)
        pairs: Iterable[tuple[Any, Any]] = value.items() if is_object else enumerate(value)
        for key, item in pairs:
            if is_object and "${" in key:
                walk.texts.append(key)  # Terraform JSON interpolates object keys too: an edge, never resolved here
            kind = type(item)
            if kind is str:
                if "${" not in item:
                    strings.append(item)
                    continue
                resolved = self.reference(stack, item, walk)
            elif kind in CONTAINERS:
                resolved = self.container(stack, item, walk)
                if resolved is item:
                    continue
            else:
                continue
            if out is value:
                out = dict(value) if is_object else list(value)
                if is_object:
                    objects[at] = out
            out[key] = resolved
        return out

    def reference(self, stack: str, text: str, walk: Walk) -> Any:
        """A text holding `${...}`, resolved (each text once per stack), and what its value holds added to `walk`."""
        walk.texts.append(text)
        resolved = self.texts.get((stack, text), UNSEEN)
        if resolved is UNSEEN:
            resolved = self.text(stack, text)
        kind = type(resolved)
        if kind is str:
            walk.parts.strings.append(resolved)
        elif kind is Unresolved:
            walk.parts.unresolved.append(resolved)
        else:
            walk.parts.add(resolved)
        return resolved

    def text(self, stack: str, text: str) -> Any:
        """A string with `${...}` parts: the literal result, or Unresolved naming every reference. Remembered
        unless its resolution met a cycle."""
        cycles = self.cycles
        resolved = self.resolve_text(stack, text)
        if self.cycles == cycles:
            self.texts[(stack, text)] = resolved
        return resolved

    def resolve_text(self, stack: str, text: str) -> Any:
        parts = EXPRESSION.split(text)  # literal pieces, with each `${...}` body between two of them
        if len(parts) == 3 and parts[0] == parts[2] == "":
            return self.expression(stack, parts[1].strip())
        refs: list[Reference] = []
        unknown = False
        for i in range(1, len(parts), 2):
            resolved = self.expression(stack, parts[i].strip())
            if isinstance(resolved, Unresolved):
                refs.extend(resolved.refs)
                unknown = True
            else:
                parts[i] = str(resolved)
        return Unresolved(text, tuple(refs)) if unknown else "".join(parts)

    def expression(self, stack: str, expr: str) -> Any:
        """One `${...}` body: a resource attribute, a data source attribute or a cross-stack output."""
        target = traversal_target(expr)
        if target is None:
            return Unresolved("${" + expr + "}")
        kind, first, second = target
        if kind == OUTPUT:
            return self.cross_stack(stack, expr, first, second)
        return self.attribute(stack, first, second, expr)

    def attribute(self, stack: str, address: str, name: str, expr: str) -> Any:
        """Attribute `name` of resource `address` in `stack`: its literal value, else Unresolved."""
        key = (stack, address)
        if key in self.active:
            self.cycles += 1
        raw = self.raw.get(key)
        if raw is None or key in self.active:
            return Unresolved("${" + expr + "}", (Reference(stack, address, name),))
        attributes = self.resolved(stack, address)[0]
        value = attributes.get(name)
        if value is None and name == "id":
            value = derived_id(raw[0], attributes)
        if isinstance(value, Unresolved):
            return value
        if value is None or isinstance(value, dict | list):
            return Unresolved("${" + expr + "}", (Reference(stack, address, name),))
        return value

    def cross_stack(self, stack: str, expr: str, remote: str, output: str) -> Any:
        producer = remote.removeprefix(CROSS_STACK_INPUT)
        doc = self.stacks.get(producer) if remote.startswith(CROSS_STACK_INPUT) else None
        declared = ((doc or {}).get("output") or {}).get(output)
        if not isinstance(declared, dict) or "value" not in declared:
            return Unresolved("${" + expr + "}")
        return self.value(producer, declared["value"], Walk())  # what it holds is added where it lands


def edges(body: dict[str, Any], texts: list[str], declared: set[str]) -> tuple[str, ...]:
    """The addresses of its stack (`declared`) a body references, through the `${...}` texts its walk met or its
    unresolved metadata (not `lifecycle`), and those it names in `depends_on`."""
    found: dict[str, None] = dict.fromkeys(map(str, body.get("depends_on") or ()))
    for key in EDGE_METADATA_KEYS:
        if key in body:
            texts = texts + expression_texts(body[key])  # not resolved, but still an edge
    for text in texts:
        for target in referenced_addresses(text):
            if target in declared:
                found[target] = None
    return tuple(found)


def expression_texts(value: Any) -> list[str]:
    """Every text holding `${` inside `value`, keys included."""
    if isinstance(value, str):
        return [value] if "${" in value else []
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in ([key] if "${" in key else []) + expression_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in expression_texts(item)]
    return []


@lru_cache(maxsize=1 << 16)
def traversal_steps(expr: str) -> tuple[str, ...] | None:
    """The dotted steps of a traversal expression (`type.name.attr`, list indexes dropped), else None."""
    if not TRAVERSAL.match(expr):
        return None
    return tuple((INDEX.sub("", expr) if "[" in expr else expr).split("."))


@lru_cache(maxsize=1 << 16)
def traversal_target(expr: str) -> tuple[str, str, str] | None:
    """What a `${...}` body reads: (ATTRIBUTE, address, attribute) or (OUTPUT, remote state, output), else None."""
    steps = traversal_steps(expr)
    if steps is None:
        return None
    if steps[:2] == ("data", "terraform_remote_state") and len(steps) >= 5 and steps[3] == "outputs":
        return OUTPUT, steps[2], steps[4]
    size = 3 if steps[0] == "data" else 2
    return ATTRIBUTE, ".".join(steps[:size]), steps[size] if len(steps) > size else "id"


@lru_cache(maxsize=1 << 16)
def referenced_addresses(text: str) -> tuple[str, ...]:
    """`type.name` (or `data.type.name`) of every traversal in a text's `${...}` parts."""
    found = (referenced_address(expr.strip()) for expr in EXPRESSION.findall(text))
    return tuple(address for address in found if address is not None)


def referenced_address(expr: str) -> str | None:
    """`type.name` (or `data.type.name`) of a traversal expression, else None."""
    steps = traversal_steps(expr)
    if steps is None:
        return None
    size = 3 if steps[0] == "data" else 2
    return ".".join(steps[:size]) if len(steps) >= size else None


def derived_id(rtype: str, attributes: dict[str, Any]) -> str | None:
    parts = [attributes.get(name) for name in DERIVED_IDS.get(rtype, ())]
    if parts and all(isinstance(part, str) for part in parts):
        return ".".join(parts)  # type: ignore[arg-type]
    return None
