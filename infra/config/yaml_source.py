"""YAML loading that remembers where every key came from, and refuses what YAML allows but a config must not hold.

PyYAML's safe loader forgets line numbers and silently keeps the last of two duplicate keys;
config errors must name the line, so we compose the node tree ourselves and record the line
of each mapping key and sequence item by its path. Building the tree ourselves is also where the
file's structure is bounded: aliases may not expand without limit (a "billion laughs" file) or
refer to themselves, nesting stays shallow, keys are strings, strings hold no control characters
and no value shaped like a credential (it would be written into every synthesized stack).

Most files are clean, and every command loads one, so a file without anchors is first built without
paths or lines: each check there only decides whether the file is clean. At the first doubt (an anchor,
a refused text, a duplicate or non-text key, a tag it does not know) the checked build runs instead and
says exactly what is wrong, where; the lines of a clean file are found the same way when an error about
its content first asks for one.

The data of a large clean file is kept in lakestack's cache (`lakestack.cache`), found by the digest of the
file's bytes and of the code that builds and checks it: the next command reading the same file takes it from
there instead of building it again.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode, SequenceNode
from yaml.resolver import Resolver

from lakestack import cache as entries
from lakestack import secrets as credential_shapes
from lakestack.collector import collector_paused
from lakestack.errors import InputError, key_path
from lakestack.secrets import credential_shaped

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it (about 3x faster on large platforms), same node marks.
if TYPE_CHECKING:
    SafeLoader = yaml.SafeLoader
else:
    SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A platform file is a few levels deep; anything deeper is a mistake or an attack on the builder's stack.
MAX_DEPTH = 40
# Nodes that aliases may add beyond the file's own: generous for shared blocks, fatal for alias bombs.
MAX_ALIAS_NODES = 100_000
CONFIG_HINT = "pass --config PATH to a platform YAML file"
STRING_TAG = "tag:yaml.org,2002:str"
# C0 and C1 control characters, DEL; tab, newline and carriage return are ordinary text.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What introduces an anchor; a text without one holds no alias either (an alias names an anchor).
ANCHOR = "&"
# Tags of the scalars the plain build constructs itself; any other goes to the checked build.
PLAIN_TAGS = tuple(f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float"))
CACHE_KIND = "yaml"


@dataclass
class YamlSource:
    """Plain Python data from a YAML file, plus the line of each path in it."""

    path: Path
    data: Any
    # The file's text, kept so the lines of a file built without them can be found when first asked for.
    text: str = field(default="", repr=False)
    _lines: dict[PathKey, int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[PathKey, int]:
        """Line of each path in the file: its mapping key, or where its value starts."""
        if self._lines is None:
            with collector_paused():
                self._lines = _checked(self.path, self.text, _compose(self.path, self.text)).lines
        return self._lines

    def line_of(self, loc: PathKey) -> int | None:
        """Line of the longest prefix of `loc` that exists in the file (a missing key points at its parent)."""
        lines = self.lines
        for end in range(len(loc), -1, -1):
            line = lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None

    def where(self, loc: PathKey) -> str:
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def load_yaml(path: Path) -> YamlSource:
    """Read `path` into a YamlSource; syntax errors, unsafe structure and duplicate keys become InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found", hint=CONFIG_HINT) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file", hint=CONFIG_HINT) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                         "save the file as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    key = _cache_key(text) if len(text) >= entries.MIN_INPUT_BYTES else None
    with collector_paused():  # the node tree and the data hold no cycle (an alias to itself is refused)
        data = entries.read_entry(CACHE_KIND, key) if key else None
        if data is not None:
            return YamlSource(path=path, data=data, text=text)
        node = _compose(path, text)
        if node is None:
            return YamlSource(path=path, data=None, text=text, _lines={})
        if ANCHOR not in text:  # no anchor, so no alias: each node occurs once, as the plain build needs
            try:
                data = _plain(node, 0)
            except _Doubt:
                pass
            else:
                if key and data is not None:
                    entries.write_entry(CACHE_KIND, key, data)
                return YamlSource(path=path, data=data, text=text)
        return _checked(path, text, node)


def _cache_key(text: str) -> str | None:
    """The file's entry: its bytes and the code that builds and checks a clean file's data; None when that
    code cannot be read (a cache that might outlive a change of the checks is no cache)."""
    code = _builder_digest()
    return entries.digest(code.encode(), text.encode("utf-8")) if code else None


@cache
def _builder_digest() -> str:
    """What decides the data of a clean file: this module, the credential shapes it refuses, PyYAML's release
    and whether libyaml parses."""
    try:
        sources = [Path(module).read_bytes() for module in (__file__, credential_shapes.__file__)]
    except OSError:
        return ""
    return entries.digest(*sources, yaml.__version__.encode(), SafeLoader.__name__.encode())


def _checked(path: Path, text: str, node: yaml.Node | None) -> YamlSource:
    """Every check, every line, and each problem as `file:line: key.path: what is wrong`."""
    builder = _Builder(YamlSource(path=path, data=None, text=text, _lines={}))
    try:
        builder.source.data = builder.build(node, (), 0) if node is not None else None
    finally:
        builder.loader.dispose()
    if builder.problems:
        raise InputError(builder.problems)
    return builder.source


def _compose(path: Path, text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:
        # Raised on raw control characters and carries an offset, not a line.
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise InputError(f"{path}:{line}: control character U+{exc.character:04X} in the file "
                         "(remove it; write \\t or \\n escapes inside double quotes if you mean them)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{at}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from None


class _Loader(SafeLoader):
    """The safe loader, resolving each distinct plain text's tag once: libyaml asks for the tag of every
    scalar, and a platform of 1,000 models repeats the same keys and values tens of thousands of times.
    The tag depends only on the text (the safe loader has no path resolvers), so the answer is shared."""

    resolve = staticmethod(lru_cache(maxsize=1 << 16)(Resolver().resolve))
    # libyaml's composer calls these for every node to track path resolvers, which this loader has none of
    # (tested). As C callables that do nothing, they cost no Python frame per node: 1.7% of an audit's
    # instructions at 1,000 models (docs/benchmark.md).
    descend_resolver = staticmethod(operator.is_)  # type: ignore[assignment]  # (parent, index); result unread
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]  # (); result unread


class _Doubt(Exception):
    """Something the plain build does not vouch for; the checked build decides, and says what is wrong."""


def _plain(node: yaml.Node, depth: int) -> Any:
    """The data of a node tree in which each node occurs once, or _Doubt at the first thing to check closer."""
    if depth > MAX_DEPTH:
        raise _Doubt
    kind = type(node)
    if kind is ScalarNode:
        if node.tag != STRING_TAG:
            return _plain_scalar(node.tag, node.value)
        if _suspicious(node.value):
            raise _Doubt
        return node.value
    if kind is SequenceNode:
        return [_plain(item, depth + 1) for item in node.value]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if type(key_node) is not ScalarNode or key_node.tag != STRING_TAG or key in out or _suspicious(key):
            raise _Doubt
        out[key] = _plain(value_node, depth + 1)
    return out


@lru_cache(maxsize=1 << 16)
def _plain_scalar(tag: str, text: str) -> Any:
    """A null, boolean, integer or float, constructed once per text as the safe loader's constructor does."""
    if tag not in PLAIN_TAGS:
        raise _Doubt
    return SafeConstructor.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, text))


_CONSTRUCTOR = SafeConstructor()


class _Builder:
    """Turns a composed node tree into dicts, lists and scalars, recording lines as it goes.

    The composed tree shares one node per anchor, so the builder sees every alias use: it counts
    what aliases add, and a node met again while still being built is an alias to itself.
    """

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.lines = source.lines
        self.problems: list[str] = []
        # The safe loader's own constructor resolves scalars (ints, bools, floats, nulls, dates).
        self.loader = SafeLoader("")
        self.built = 0
        self.distinct: set[int] = set()
        self.active: set[int] = set()

    def _where(self, node: yaml.Node, loc: PathKey) -> str:
        """`file:line: key.path` of a node, the start of every problem reported about it."""
        return f"{self.source.path}:{node.start_mark.line + 1}: {key_path(loc)}"

    def _fatal(self, node: yaml.Node, loc: PathKey, problem: str) -> InputError:
        return InputError(f"{self._where(node, loc)}: {problem}")

    def build(self, node: yaml.Node, loc: PathKey, depth: int) -> Any:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if id(node) in self.active:  # only a mapping or a list, met again inside itself
            raise self._fatal(node, loc, "an alias refers to the block that contains it, which would never end "
                                         "(point the alias at a block outside itself)")
        if depth > MAX_DEPTH:
            raise self._fatal(node, loc, f"nested deeper than {MAX_DEPTH} levels (a platform file needs a few)")
        self.built += 1
        self.distinct.add(id(node))
        if self.built - len(self.distinct) > MAX_ALIAS_NODES:
            raise self._fatal(node, loc, f"aliases expand the file by more than {MAX_ALIAS_NODES:,} values "
                                         "(write the repeated blocks out, or alias fewer of them)")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, loc)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc, depth)
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, loc: PathKey) -> Any:
        if node.tag != STRING_TAG:
            # The safe loader's own constructor resolves the others (ints, bools, floats, nulls, dates).
            return self.loader.construct_object(node, deep=True)
        self._check_text(node.value, node, loc)  # a string is its text: what the constructor would return
        return node.value

    def _check_text(self, text: str, node: yaml.Node, loc: PathKey) -> None:
        if not _suspicious(text):
            return  # nearly every text; the message below is only spelled for one that is not
        where = self._where(node, loc)
        control = CONTROL_CHARACTER.search(text)
        if control:
            self.problems.append(f"{where}: control character U+{ord(control.group()):04X} in the text (remove it)")
        if credential_shaped(text):
            self.problems.append(
                f"{where}: holds a value shaped like a credential (a token, key or private key); remove it: "
                "credentials never go in the config, where every synthesized stack would carry them "
                "(give them through environment variables or a secret scope)"
            )

    def _mapping(self, node: yaml.MappingNode, loc: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self._key(key_node, loc)
            if key is None:
                continue
            child = (*loc, key)
            if key in out:
                self.problems.append(
                    f"{self.source.path}:{line}: duplicate key '{key}' "
                    f"(first at line {self.lines[child]}); remove one of them"
                )
                continue
            self.lines[child] = line
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _key(self, key_node: yaml.Node, loc: PathKey) -> str | None:
        """The key as text, or None (with a problem recorded) when YAML reads it as something else."""
        if key_node.tag == "tag:yaml.org,2002:merge":
            where = self._where(key_node, loc)
            self.problems.append(f"{where}: merge keys ('<<') are not supported; write the keys out, or alias "
                                 "the whole value")
            return None
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != STRING_TAG:
            where = self._where(key_node, loc)
            shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
            kind = key_node.tag.rsplit(":", 1)[-1]
            self.problems.append(f"{where}: key {shown!s} is not text (YAML reads it as {kind}); keys must be "
                                 f"strings: quote it, as '{shown}'" if isinstance(key_node, yaml.ScalarNode)
                                 else f"{where}: a key is {shown}; keys must be strings")
            return None
        key = str(key_node.value)
        self._check_text(key, key_node, loc)
        return key


@lru_cache(maxsize=1 << 16)
def _suspicious(text: str) -> bool:
    """Whether a text holds a control character or a credential shape. Remembered per text: a platform of
    1,000 models repeats the same keys and values tens of thousands of times."""
    return CONTROL_CHARACTER.search(text) is not None or credential_shaped(text)
