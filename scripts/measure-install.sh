#!/usr/bin/env bash
# What installing the plugin adds to a new Strapi app's node_modules (issue 11: at most 60 MB in
# the default mode). Packs this repository as npm would publish it, makes a minimal Strapi 5.54
# app (SQLite), installs it, then installs the tarball into it, and prints `du -sm node_modules`
# before and after, the largest packages the plugin brought, and what the tarball holds. Then
# loads the app with the plugin in its default mode, and with `local.mode: 'deep'` to show the
# error that names what to install; then installs those packages and loads it in deep mode. Needs the npm registry; about 5 minutes (better-sqlite3
# compiles from source here).
#
#   scripts/measure-install.sh [work-dir]      (default: a new folder under $TMPDIR; kept)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/photo-score-install-XXXXXX")}"
mkdir -p "$work/app/config" "$work/app/src" "$work/app/public/uploads"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

echo "== npm pack ($root)"
tarball="$work/$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)"
tar -tzf "$tarball" | sed 's|^package/||' | sort >"$work/tarball-files.txt"
echo "tarball: $(du -k "$tarball" | cut -f1) kB packed, $(tar -xzOf "$tarball" | wc -c | awk '{printf "%.1f", $1 / 1048576}') MB unpacked, $(wc -l <"$work/tarball-files.txt") files"

cd "$work/app"
cat >package.json <<'JSON'
{
  "name": "fresh-strapi-app",
  "private": true,
  "version": "0.0.0",
  "dependencies": {
    "@strapi/plugin-users-permissions": "5.54.0",
    "@strapi/strapi": "5.54.0",
    "better-sqlite3": "12.11.1",
    "react": "^18.0.0",
    "react-dom": "^18.0.0",
    "react-router-dom": "^6.0.0",
    "styled-components": "^6.0.0"
  }
}
JSON
cat >config/database.js <<'JS'
module.exports = () => ({
  connection: { client: 'sqlite', connection: { filename: ':memory:' }, useNullAsDefault: true },
});
JS
cat >config/server.js <<'JS'
module.exports = () => ({ host: '127.0.0.1', port: 1337, app: { keys: ['measure-a', 'measure-b'] } });
JS
cat >config/admin.js <<'JS'
module.exports = () => ({
  auth: { secret: 'measure-admin-secret' },
  apiToken: { salt: 'measure-api-token-salt' },
  transfer: { token: { salt: 'measure-transfer-salt' } },
  secrets: { encryptionKey: 'measure-encryption-key' },
});
JS
cat >config/plugins.js <<'JS'
module.exports = ({ env }) => ({
  'users-permissions': { config: { jwtSecret: 'measure-jwt-secret' } },
  'photo-score': { enabled: true, config: { local: { mode: env('PHOTO_SCORE_LOCAL_MODE', 'fast') } } },
});
JS
echo 'module.exports = { register() {}, bootstrap() {} };' >src/index.js

# The packages at the top of node_modules (name or @scope/name), one a line.
packages() {
  (cd node_modules && find . -mindepth 2 -maxdepth 3 -name package.json |
    grep -E '^\./(@[^/]+/)?[^@/][^/]*/package\.json$' | xargs -r -n 1 dirname | sort)
}

echo "== npm install (a new Strapi 5.54 app)"
npm install --no-audit --no-fund --loglevel=error >/dev/null
before=$(du -sm node_modules | cut -f1)
packages >"$work/packages-before.txt"

echo "== npm install $(basename "$tarball")"
npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
after=$(du -sm node_modules | cut -f1)
packages >"$work/packages-after.txt"

echo
echo "node_modules before: ${before} MB"
echo "node_modules after:  ${after} MB"
echo "added by the plugin: $((after - before)) MB"
echo "largest additions (MB):"
comm -13 "$work/packages-before.txt" "$work/packages-after.txt" |
  (cd node_modules && xargs -r du -sm) | sort -rn | head -8 | sed 's|\./||; s|^|  |'

load() {
  node -e "require('@strapi/strapi').createStrapi({ appDir: process.cwd(), distDir: process.cwd() }).load()
    .then(() => { console.log('loaded'); process.exit(0); }, (e) => { console.log(e.message); process.exit(1); })" 2>&1 | tail -n 1
}
echo
echo "load, default mode: $(STRAPI_TELEMETRY_DISABLED=true load || true)"
echo "load, local.mode 'deep': $(PHOTO_SCORE_LOCAL_MODE=deep STRAPI_TELEMETRY_DISABLED=true load || true)"

# The command that error names, and what the deep mode then costs.
command=$(node -e "const m = require('strapi-plugin-photo-score/package.json').peerDependenciesMeta;
  const p = require('strapi-plugin-photo-score/package.json').peerDependencies;
  console.log(Object.keys(m).map((name) => name + '@' + p[name]).join(' '))")
echo
echo "== npm install $command"
npm install --no-audit --no-fund --loglevel=error $command >/dev/null
deep=$(du -sm node_modules | cut -f1)
echo "node_modules with the deep mode's packages: ${deep} MB (+$((deep - after)) MB)"
echo "load, local.mode 'deep': $(PHOTO_SCORE_LOCAL_MODE=deep STRAPI_TELEMETRY_DISABLED=true load || true)"
echo "(kept in $work)"
