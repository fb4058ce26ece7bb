"use strict";
// Preloaded into the jsii runtime of a synth (infra/node_runtime.py). CDKTF writes each stack with
// json-stable-stringify (keys sorted, two-space indent), which joins the text of every level
// anew: for a 13 MB stack that is a copy of the document per nesting level, about 60 MB more at
// the runtime's peak and a second of CPU. Here the same algorithm writes its pieces once, in
// order, so the text is built a single time: byte for byte the library's output (tests compare
// both on every stack and on edge cases). Calls with options beyond `space` (a comparator, a
// replacer, `cycles`, `collapseEmpty`) and any major version other than the one mirrored here go
// to the library itself.
const Module = require("module");
const path = require("path");

const LIBRARY = "json-stable-stringify";
const MIRRORED_MAJOR = "1.";
// Pieces are joined into one chunk this often, so the array of small strings stays small.
const CHUNK_PIECES = 4096;
const nodeLoad = Module._load;

function spaceOf(opts) {
  const space = (opts && opts.space) || "";
  return typeof space === "number" ? " ".repeat(space) : space;
}

function onlySpace(opts) {
  if (opts === undefined || opts === null) {
    return true;
  }
  return typeof opts === "object" && Object.keys(opts).every((key) => key === "space");
}

/** The value the library writes for `node`: what its `toJSON` returns, when it has one. */
function normalized(node) {
  if (node && typeof node.toJSON === "function") {
    return node.toJSON();
  }
  return node;
}

class Writer {
  constructor(space) {
    this.space = space;
    this.colon = space ? ": " : ":";
    this.indents = [];
    this.pieces = [];
    this.chunks = [];
    this.seen = [];
  }

  indent(level) {
    if (!this.space) {
      return "";
    }
    while (this.indents.length <= level) {
      this.indents.push(`\n${this.space.repeat(this.indents.length)}`);
    }
    return this.indents[level];
  }

  push(piece) {
    this.pieces.push(piece);
    if (this.pieces.length >= CHUNK_PIECES) {
      this.chunks.push(this.pieces.join(""));
      this.pieces = [];
    }
  }

  text() {
    this.chunks.push(this.pieces.join(""));
    return this.chunks.join("");
  }

  /** Write `node` (already normalized) at `level`; false when the library writes nothing for it. */
  value(node, level) {
    if (typeof node === "object" && node !== null) {
      this.container(node, level);
      return true;
    }
    // undefined, functions and symbols have no JSON text: dropped from objects, `null` in arrays.
    const text = node === undefined ? undefined : JSON.stringify(node);
    if (text === undefined) {
      return false;
    }
    this.push(text);
    return true;
  }

  container(node, level) {
    if (Array.isArray(node)) {
      this.array(node, level);
    } else {
      this.object(node, level);
    }
  }

  array(node, level) {
    const inner = this.indent(level + 1);
    this.push("[");
    for (let i = 0; i < node.length; i++) {
      this.push(i === 0 ? inner : `,${inner}`);
      if (!this.value(normalized(node[i]), level + 1)) {
        this.push("null");
      }
    }
    this.push(`${this.indent(level)}]`);
  }

  object(node, level) {
    if (this.seen.indexOf(node) !== -1) {
      throw new TypeError("Converting circular structure to JSON");
    }
    this.seen.push(node);
    const inner = this.indent(level + 1);
    let separator = inner;
    this.push("{");
    for (const key of Object.keys(node).sort()) {
      const child = normalized(node[key]);
      const nested = typeof child === "object" && child !== null;
      const text = nested || child === undefined ? undefined : JSON.stringify(child);
      if (!nested && text === undefined) {
        continue;
      }
      this.push(`${separator}${JSON.stringify(key)}${this.colon}`);
      separator = `,${inner}`;
      if (nested) {
        this.container(child, level + 1);
      } else {
        this.push(text);
      }
    }
    this.push(`${this.indent(level)}}`);
    this.seen.pop();
  }
}

function stableStringify(library) {
  return function stringify(obj, opts) {
    if (arguments.length > 1 && !onlySpace(opts)) {
      return library.apply(this, arguments);
    }
    const writer = new Writer(spaceOf(opts));
    return writer.value(normalized(obj), 0) ? writer.text() : undefined;
  };
}

function mirroredVersion(request, parent, isMain) {
  const manifest = Module._resolveFilename(path.posix.join(request, "package.json"), parent, isMain);
  return String(nodeLoad(manifest, parent, false).version || "").startsWith(MIRRORED_MAJOR);
}

const wrapped = new WeakMap();

Module._load = function load(request, parent, isMain) {
  const loaded = nodeLoad.apply(this, arguments);
  if (request !== LIBRARY || typeof loaded !== "function") {
    return loaded;
  }
  if (!wrapped.has(loaded)) {
    let mirrored = false;
    try {
      mirrored = mirroredVersion(request, parent, isMain);
    } catch {
      mirrored = false; // an unreadable manifest: the library's own function
    }
    wrapped.set(loaded, mirrored ? stableStringify(loaded) : loaded);
  }
  return wrapped.get(loaded);
};

module.exports = { stableStringify };
