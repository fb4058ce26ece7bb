"use strict";
// Preloaded into the jsii runtime of a synth (infra/node_runtime.py): the Databricks provider
// package's index requires all of its ~250 resource modules (45 MB of JavaScript) when jsii loads
// the package, though a synth uses about twenty. Here the index's `exports.<name> =
// require("./<module>")` lines (CDKTF's provider; CDK Terrain's wraps each require in tsc's
// `__importStar`, which returns a compiled module as it is) become getters that load a module
// when jsii first looks a class up in it. Same modules, same classes, same JSON; about 0.3 s of
// CPU and 80 MB less per runtime. An index in any other shape, or any failure here, loads the
// package as Node would.
const Module = require("module");
const fs = require("fs");
const path = require("path");

const INDEX_SUFFIX = path.join("provider-databricks", "lib", "index.js");
const EXPORT_LINE = /^exports\.(\w+) = (?:require\("(\.\/[\w./-]+)"\)|__importStar\(require\("(\.\/[\w./-]+)"\)\));$/gm;
const REQUIRE_CALL = /\brequire\(/g;
const nodeLoad = Module._load;
const lazyIndexes = new Map();

/** The index's exports as getters, or null when any of its requires is not a plain export line. */
function lazyExports(filename, parent) {
  const text = fs.readFileSync(filename, "utf8");
  const lines = [...text.matchAll(EXPORT_LINE)];
  if (lines.length === 0 || lines.length !== (text.match(REQUIRE_CALL) || []).length) {
    return null;
  }
  const exports = {};
  Object.defineProperty(exports, "__esModule", { value: true });
  for (const [, name, plain, starred] of lines) {
    const target = path.join(path.dirname(filename), plain || starred);
    Object.defineProperty(exports, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = asImported(nodeLoad(target, parent, false), starred !== undefined);
        Object.defineProperty(exports, name, { value, enumerable: true });
        return value;
      },
    });
  }
  return exports;
}

/** What the index line would have bound: tsc's `__importStar` keeps a compiled module, wraps any other. */
function asImported(module, starred) {
  if (!starred || (module && module.__esModule)) {
    return module;
  }
  return { ...module, default: module };
}

function providerIndex(request, parent, isMain) {
  if (!request.includes("provider-databricks")) {
    return null;
  }
  const filename = Module._resolveFilename(request, parent, isMain);
  if (!filename.endsWith(INDEX_SUFFIX)) {
    return null;
  }
  if (!lazyIndexes.has(filename)) {
    lazyIndexes.set(filename, lazyExports(filename, parent));
  }
  return lazyIndexes.get(filename);
}

Module._load = function load(request, parent, isMain) {
  let lazy = null;
  try {
    lazy = providerIndex(request, parent, isMain);
  } catch {
    lazy = null; // resolution problems are Node's to report, on the normal path below
  }
  return lazy !== null ? lazy : nodeLoad.apply(this, arguments);
};
