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
const sharp = require('sharp');
const { requireTypeScript } = require('../scripts/require-ts');

const { encodeForVendor, VENDORS } = requireTypeScript(
  [
    "export { encodeForVendor } from './server/src/prepare/for-vendor';",
    "export { VENDORS } from './server/src/scorers/vendors';",
  ],
  'bench-vendor-bytes',
);

async function photo(width, height) {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i += 3) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const x = (i / 3) % width;
    const y = Math.floor(i / 3 / width);
    const grain = ((state >>> 24) - 128) * 0.4;
    pixels[i] = Math.max(0, Math.min(255, 80 + (x / width) * 130 + grain));
    pixels[i + 1] = Math.max(0, Math.min(255, 60 + (y / height) * 150 + grain));
    pixels[i + 2] = Math.max(0, Math.min(255, 170 - (x / width) * 90 + grain));
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(0.8)
    .jpeg({ quality: 90 })
    .toBuffer();
}

(async () => {
  const original = await photo(4000, 3000);
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
