"use strict";
// Preloaded into the jsii runtime of a synth (infra/node_runtime.py). CDKTF records a creation
// stack, every frame of it, for each token and each nested-block reference it creates: about ten
// per resource. Created through jsii, those frames are the kernel's own JavaScript, never the
// user's Python, so they tell a lakestack user nothing; for an 8,000-resource stack they hold
// about 100 MB and 1.5 s of CPU. Here the stack of anything that is not an Error formats as empty
// text, which CDKTF keeps as an empty list. Errors keep their stacks, in V8's own format (or the
// formatter already installed).
const installed = Error.prepareStackTrace;

function errorStack(error, frames) {
  if (installed) {
    return installed(error, frames);
  }
  const head = String(error);
  return frames.length > 0 ? `${head}\n    at ${frames.join("\n    at ")}` : head;
}

Error.prepareStackTrace = (target, frames) => (target instanceof Error ? errorStack(target, frames) : "");
