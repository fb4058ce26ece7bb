"use strict";
// Preloaded into the jsii runtime of a synth (infra/node_runtime.py). CDKTF records a creation
// stack, every frame of it, for each token and each nested-block reference it creates: about ten
// per resource. Created through jsii, those frames are the kernel's own JavaScript, never the
// user's Python, so they tell a lakestack user nothing; for an 8,000-resource stack they hold
// about 100 MB and 2 s of CPU. CDKTF (and constructs) capture into a plain `{ stack: "" }`
// object; here such an object gets an empty stack without V8 walking the frames (a capture
// through any other path formats as empty text too), which CDKTF keeps as an empty list.
// Everything else, errors of any realm included, keeps its stack, in V8's own format (or the
// formatter already installed).
const installed = Error.prepareStackTrace;
const capture = Error.captureStackTrace;

function isPlainObject(target) {
  return target !== null && typeof target === "object" && Object.getPrototypeOf(target) === Object.prototype;
}

function formatted(error, frames) {
  if (installed) {
    return installed(error, frames);
  }
  const head = String(error);
  return frames.length > 0 ? `${head}\n    at ${frames.join("\n    at ")}` : head;
}

Error.prepareStackTrace = (target, frames) => (isPlainObject(target) ? "" : formatted(target, frames));

Error.captureStackTrace = function captureStackTrace(target, below) {
  if (isPlainObject(target)) {
    target.stack = "";
    return undefined;
  }
  return capture.call(this, target, below);
};
