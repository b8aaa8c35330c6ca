#!/usr/bin/env node
/**
 * Bytes each vendor is sent for one 12 MP JPEG, against the original size.
 *
 *   node bench/vendor-bytes.bench.js
 *
 * Encodes a generated 4000×3000 JPEG (quality 90) with the same per-vendor preparation the
 * plugin uses (prepare/for-vendor.ts and each adapter's image spec) and prints the size and
 * the ratio to the original. PhotoILike receives base64 inside JSON: its wire size is 4/3 of it.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { syntheticPhoto } = require('./harness');
const { requireTypeScript } = require('../scripts/require-ts');

const { encodeForVendor, VENDORS } = requireTypeScript(
  [
    "export { encodeForVendor } from './server/src/prepare/for-vendor';",
    "export { VENDORS } from './server/src/scorers/vendors';",
  ],
  'bench-vendor-bytes',
);

(async () => {
  const original = await syntheticPhoto({ width: 4000, height: 3000, quality: 90 });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'photo-score-bytes-')), 'photo.jpg');
  fs.writeFileSync(file, original);
  console.log(`bytes sent per vendor for a 4000×3000 JPEG of ${(original.length / 1e6).toFixed(2)} MB`);
  for (const [id, definition] of Object.entries(VENDORS)) {
    const image = await encodeForVendor(file, { width: 4000, height: 3000 }, definition.image, 'bench', 100_000_000);
    const wire = id === 'photoilike' ? Math.ceil(image.bytes.length / 3) * 4 : image.bytes.length;
    console.log(
      `  ${id.padEnd(16)} ${image.format.padEnd(5)} ${`${image.width}×${image.height}`.padEnd(10)} ${(image.bytes.length / 1e3).toFixed(0).padStart(6)} KB` +
        `  on the wire ${(wire / 1e3).toFixed(0).padStart(6)} KB  ratio ${(wire / original.length).toFixed(3)}`,
    );
  }
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
})();
