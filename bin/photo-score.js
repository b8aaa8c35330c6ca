#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI itself is bundled from server/src/cli into dist/cli.js.
const path = require('node:path');

let cli;
try {
  cli = require(path.join(__dirname, '..', 'dist', 'cli.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('cli.js')) {
    process.stderr.write('photo-score: dist/cli.js is missing; run `npm run build` first (npm install does it).\n');
    process.exit(1);
  }
  throw error;
}

// `photo-score … | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

cli.runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`photo-score: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
