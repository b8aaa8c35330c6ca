#!/usr/bin/env node
// Runs every bench/*.bench.js in turn after building the plugin; figures go in bench/README.md.
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1);
let failed = 0;
for (const file of readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.js'))
  .sort()) {
  console.log(`\n=== ${file} ===`);
  failed += run(process.execPath, [path.join('bench', file), ...process.argv.slice(2)]) === 0 ? 0 : 1;
}
process.exit(failed ? 1 : 0);
