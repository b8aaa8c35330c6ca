#!/usr/bin/env node
// Starts the demo Strapi app (tests/app) with the plugin on its embedded defaults:
// SQLite in tests/app/.tmp, the offline scorer, admin panel at http://localhost:1337/admin.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const app = path.join(root, 'tests', 'app');
const strapiBin = path.join(root, 'node_modules', '.bin', 'strapi');
const env = { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true' };

function step(label, command, args, cwd) {
  console.log(`\n> ${label}`);
  const { status } = spawnSync(command, args, { cwd, stdio: 'inherit', env });
  if (status !== 0) process.exit(status ?? 1);
}

mkdirSync(path.join(app, 'public', 'uploads'), { recursive: true });
step('building the plugin', 'npm', ['run', 'build', '--silent'], root);
if (!existsSync(path.join(app, 'build', 'index.html')) || process.argv.includes('--rebuild')) {
  step('building the admin panel (about a minute, once)', strapiBin, ['build'], app);
}
console.log(`
Photo Score demo: http://localhost:${process.env.PORT ?? 1337}/admin
The first visit asks you to create the first administrator (any name, e-mail and password; it stays local).
Then upload images in the Media Library, or:  curl -F files=@photo.jpg -H "Authorization: Bearer <API token>" http://localhost:1337/api/upload
Thresholds: Settings → Photo Score. Stop with Ctrl-C.
`);
step('starting Strapi', strapiBin, ['start'], app);
