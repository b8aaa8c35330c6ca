// Bundles TypeScript sources of this repository with esbuild and loads them in-process, so
// scripts and benchmarks run the same code the plugin ships without a prior build.
'use strict';
const path = require('node:path');
const Module = require('node:module');

const REPO_ROOT = path.resolve(__dirname, '..');

/** `exportLines` are TypeScript re-exports relative to the repository root. */
function requireTypeScript(exportLines, name) {
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    stdin: { contents: exportLines.join('\n'), resolveDir: REPO_ROOT, loader: 'ts', sourcefile: `${name}.ts` },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    write: false,
  });
  const filename = path.join(REPO_ROOT, 'scripts', `.${name}.bundle.js`);
  const bundled = new Module(filename, module);
  bundled.filename = filename;
  bundled.paths = Module._nodeModulePaths(path.dirname(filename));
  bundled._compile(result.outputFiles[0].text, filename);
  return bundled.exports;
}

module.exports = { requireTypeScript, REPO_ROOT };
