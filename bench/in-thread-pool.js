// Bench-only (bench/deep-health.bench.js loads it with `node --require` into one of the two
// apps it boots): replaces piscina with a stand-in that runs each task of the embedded
// scorer's worker (dist/embedded-worker.js) on the main thread, so the same build can be
// measured with the scoring on the event loop, as it ran before the worker pool. Not a plugin
// option on purpose. (It runs the tasks as posted: the fast measurements after the 100 % band
// is decoded, not during, as the main thread's own path did.)
'use strict';
const Module = require('node:module');

class InThreadPool {
  constructor({ filename }) {
    this.filename = filename;
  }
  on() {
    return this;
  }
  async run(task, { name }) {
    return require(this.filename)[name](task);
  }
  async destroy() {}
}

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'piscina' ? { Piscina: InThreadPool } : load.call(this, request, ...rest);
};
