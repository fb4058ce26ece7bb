"use strict";
// jsii's kernel (its lib/program.js, at LAKESTACK_JSII_PROGRAM) run in the process jsii starts,
// without the relay process jsii puts between them (infra/node_runtime.py): about 50 MB and a
// second of CPU less for each synth process of a large platform. The kernel reads and writes its
// channel, fd 3, with fs.readSync and fs.writeSync. infra/jsii_channel.sh opens fd 3 as a copy of
// stdin, the pipe of jsii's requests; here the kernel's writes to fd 3 go to stdout, the pipe of
// its answers, and what JavaScript prints goes to stderr the way the relay sends it, one JSON
// line per write ({"stdout": base64} or {"stderr": base64}), which jsii's Python side copies to
// its own stdout and stderr.
const fs = require("fs");
const { Writable } = require("stream");

const CHANNEL = 3;
const REQUESTS = 0;
const ANSWERS = 1;
const CONSOLE = 2;
const writeSync = fs.writeSync;

function sameFile(fd, other) {
  try {
    const [a, b] = [fs.fstatSync(fd), fs.fstatSync(other)];
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

function relayed(name) {
  return new Writable({
    write(chunk, encoding, callback) {
      const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
      writeSync(CONSOLE, `${JSON.stringify({ [name]: data.toString("base64") })}\n`);
      callback();
    },
  });
}

if (!sameFile(CHANNEL, REQUESTS)) {
  throw new Error("jsii_kernel.js runs under infra/jsii_channel.sh, which opens fd 3 as a copy of stdin");
}
fs.writeSync = function writeSyncOnChannel(fd, ...rest) {
  return writeSync.call(this, fd === CHANNEL ? ANSWERS : fd, ...rest);
};
for (const name of ["stdout", "stderr"]) {
  Object.defineProperty(process, name, { value: relayed(name), configurable: true, enumerable: true, writable: true });
}
require(process.env.LAKESTACK_JSII_PROGRAM);
