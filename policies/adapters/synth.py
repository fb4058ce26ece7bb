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


class Walk:
    """One resource's resolving walk, and what it met: the `${...}` texts (keys and the metadata's included, for its
    edges) and the parts of the resolved values (for the rules that read every string).

    The stack, its texts resolved so far and the lists the walk fills are attributes, so the recursion
    over a body passes the value alone.
    """

    __slots__ = ("known", "parts", "resolver", "stack", "strings", "texts")

    def __init__(self, resolver: Resolver, stack: str) -> None:
        self.resolver = resolver
        self.stack = stack
        self.known = resolver.texts[stack]
        self.texts: list[str] = []
        self.parts = Parts()
        self.strings = self.parts.strings

    def value(self, value: Any) -> Any:
        """`value` with its references resolved."""
        if type(value) is str:
            if "${" not in value:
                self.strings.append(value)
                return value
            return self.reference(value)
        if type(value) is dict:
            return self.mapping(value)
        if type(value) is list:
            return self.sequence(value)
        return value

    def mapping(self, value: dict[str, Any], out: dict[str, Any] | None = None) -> dict[str, Any]:
        """An object with its references resolved: itself when it holds none, else a copy (or `out`, a copy
        already made).

        Most of a body holds no reference, so only the containers on the way to one are copied; the
        rest is shared with the parsed synth, which nothing changes.
        """
        changes = self.changed(value.items(), keyed=True)
        if changes:
            out = dict(value) if out is None else out
            out.update(changes)
        elif out is None:
            out = value
        self.parts.objects.append(out)
        return out

    def sequence(self, value: list[Any]) -> list[Any]:
        """A list with its references resolved: itself when it holds none, else a copy (as `mapping`)."""
        changes = self.changed(enumerate(value), keyed=False)
        if not changes:
            return value
        out = list(value)
        for index, resolved in changes:
            out[index] = resolved
        return out

    def changed(self, items: Iterable[tuple[Any, Any]], *, keyed: bool) -> list[tuple[Any, Any]] | None:
        """(key or index, resolved value) of each item a reference changes, most often none.

        Plain strings are the most of a body: they are kept here, without a call, and told from
        references by a `$` first (a search for one character is the cheaper, and few texts hold one).
        """
        strings, texts = self.strings, self.texts
        out = None
        for key, item in items:
            if keyed and "$" in key and "${" in key:
                texts.append(key)  # Terraform JSON interpolates object keys too: an edge, never resolved here
            kind = type(item)
            if kind is str:
                if "$" not in item or "${" not in item:
                    strings.append(item)
                    continue
                resolved = self.reference(item)
            elif kind is dict:
                resolved = self.mapping(item)
            elif kind is list:
                resolved = self.sequence(item)
            else:
                continue
            if resolved is not item:
                out = out or []
                out.append((key, resolved))
        return out

    def reference(self, text: str) -> Any:
        """A text holding `${...}`, resolved (each text once per stack), and what its value holds kept."""
        self.texts.append(text)
        resolved = self.known.get(text, UNSEEN)
        if resolved is UNSEEN:
            resolved = self.resolver.text(self.stack, text)
        kind = type(resolved)
        if kind is str:
            self.strings.append(resolved)
        elif kind is Unresolved:
            self.parts.unresolved.append(resolved)
        else:
            self.parts.add(resolved)
        return resolved


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
        self.targets = {stack: Targets({block[4] for block in blocks}) for stack, blocks in self.blocks.items()}
        self.done: dict[tuple[str, str], tuple[dict[str, Any], Walk]] = {}
        self.active: set[tuple[str, str]] = set()
        self.texts: dict[str, dict[str, Any]] = {stack: {} for stack in stacks}  # per stack: text -> its value
        # References met while their resource was still being resolved (a cycle): a text whose resolution met
        # one is not remembered, since the same text resolves further once that resource is done.
        self.cycles = 0

    def resources(self, stack: str, env: str, source: Source) -> list[Resource]:
        targets = self.targets[stack]
        out = []
        for mode, rtype, name, body, address in self.blocks[stack]:
            attributes, walk = self.resolved(stack, address)
            out.append(Resource(
                address=address, type=rtype, name=name, stack=stack, environment=env,
                attributes=attributes, source=source,
                lifecycle=body.get("lifecycle") or {}, provider=body.get("provider"), mode=mode,
                edges=edges(body.get("depends_on"), walk.texts, targets), parts=walk.parts,
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
        attributes = dict(body)  # the body less its metadata: a copy of its own, so resolved values are written in it
        metadata = METADATA_KEYS & body.keys()
        for name in metadata:
            del attributes[name]
        walk = Walk(self, key[0])
        self.active.add(key)
        try:
            walk.mapping(attributes, attributes)
        finally:
            self.active.discard(key)
        if metadata:  # their references are edges too, though not resolved
            walk.texts += [text for name in EDGE_METADATA_KEYS if name in metadata
                           for text in expression_texts(body[name])]
        return attributes, walk

    def text(self, stack: str, text: str) -> Any:
        """A string with `${...}` parts: the literal result, or Unresolved naming every reference. Remembered
        unless its resolution met a cycle."""
        cycles = self.cycles
        resolved = self.resolve_text(stack, text)
        if self.cycles == cycles:
            self.texts[stack][text] = resolved
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
        return Walk(self, producer).value(declared["value"])  # what it holds is added where it lands


def edges(depends_on: list[Any] | None, texts: list[str], targets: Targets) -> tuple[str, ...]:
    """The addresses of its stack a resource references, through the `${...}` texts its walk met, and those it
    names in `depends_on`: in that order, each once."""
    found: dict[str, None] = dict.fromkeys(map(str, depends_on)) if depends_on else {}
    for text in texts:
        for target in targets[text]:
            found[target] = None
    return tuple(found)


class Targets(dict[str, tuple[str, ...]]):
    """Text -> the addresses of one stack (`declared`) its `${...}` parts reference, found on a text's first use:
    a stack's resources share a few thousand texts, met tens of thousands of times at 1,000 models."""

    def __init__(self, declared: set[str]) -> None:
        super().__init__()
        self.declared = declared

    def __missing__(self, text: str) -> tuple[str, ...]:
        found = self[text] = tuple(address for address in referenced_addresses(text) if address in self.declared)
        return found


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
