// Preloaded with `node --require` to make the deep mode's optional packages unresolvable in
// that process, as in an app that installed the plugin without them.
const Module = require('node:module');

const HIDDEN = /^(@tensorflow\/tfjs(-core|-layers|-backend-wasm)?|nsfwjs)(\/|$)/;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (HIDDEN.test(request)) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};
