#!/usr/bin/env node
/**
 * Builds the degradation benchmark: real photographs from Debian wallpaper packages
 * (scripts/degradations/manifest.json), each re-encoded as a phone would store it, plus
 * degraded copies at graded levels. Used to train on the `train` photos and to evaluate on
 * the `holdout` ones (`npm run eval -- --pairs <out-dir>`).
 *
 *   node scripts/build-degradations.js <cache-dir> <out-dir>
 *
 * <cache-dir>: the .debs (fetched with `apt-get download` when missing) and their extracted
 * trees; a photo's sha256 is checked against the manifest when its original is built (a
 * mismatch stops the build naming the file). <out-dir>: images/<photo>/original.jpg and
 * <kind>-<level>.jpg, and degradations.csv (image,photo,split,kind,level; level 0 = the
 * original). Idempotent: files already written are kept (delete <out-dir> to
 * rebuild after changing a definition). Images never go into git.
 *
 * Exported for other scripts (e.g. to degrade CLIVE's 500 px photos the same way):
 *   KINDS                      { [kind]: { levels: [parameter per level 1..n], unit, describe(level) } }
 *   KIND_NAMES                 the kinds in order (`downscale` last: a size change, not damage)
 *   sizeScale(width, height)   √(pixels / 12 MP): the factor size-relative levels are scaled by
 *   encodeOriginal(input)      → Promise<Buffer>: file/Buffer → autoOriented sRGB JPEG q92 4:2:0, ≤ 12 MP
 *   decodeRgb(input)           → Promise<{ data, width, height }>: 3-channel 8-bit RGB pixels
 *   degradePixels(rgb, width, height, kind, level, { seed, scale })
 *                              → Promise<{ data, width, height, quality }>: degraded RGB pixels
 *                                and the JPEG quality they are to be stored at
 *   applyDegradation(rgb, width, height, kind, level, { seed, scale })
 *                              → Promise<Buffer>: the degraded copy as a JPEG (q92 4:2:0, or the
 *                                kind's own quality for `jpeg`)
 * Deterministic: the noise is seeded (by `seed`, default 1, and the image size). `scale`
 * (default sizeScale(width, height)) multiplies the levels given "at 12 MP"; on small images
 * they are floored (blur σ 0.3, streak 2 px, resampling ×1.25), so on a 500 px photo the
 * lower levels of blur, motion, upscale and pixelate coincide unless a larger `scale` (e.g.
 * 1: the photo seen at 100 %) is passed.
 */
'use strict';

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const { seededRandom } = require('./quality-fit');

const MANIFEST = path.join(__dirname, 'degradations', 'manifest.json');
// A phone's 12 MP: the size originals are capped at, and the reference size-relative levels
// are given for (a 4 MP photo gets them scaled by √(4/12), so they look the same on screen).
const MAX_PIXELS = 12e6;
const STORE_QUALITY = 92;

function sizeScale(width, height) {
  return Math.sqrt((width * height) / MAX_PIXELS);
}

// ---------------------------------------------------------------------------------------------
// Pixel operations on 3-channel RGB buffers

function sharpRaw(rgb, width, height) {
  return sharp(rgb, { raw: { width, height, channels: 3 } });
}

async function toRgb(pipeline) {
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/** A 256-entry table applied to every channel. */
function mapTable(rgb, table) {
  const out = Buffer.allocUnsafe(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = table[rgb[i]];
  return out;
}

function table(fn) {
  return Uint8Array.from({ length: 256 }, (_, v) => Math.max(0, Math.min(255, Math.round(fn(v)))));
}

const toLinear = (v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const toSrgb = (v) => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

/** Exposure changed by `stops` in linear light, clipped as a sensor clips. */
function exposure(rgb, stops) {
  const gain = 2 ** stops;
  return mapTable(
    rgb,
    table((v) => 255 * toSrgb(Math.min(1, toLinear(v / 255) * gain))),
  );
}

/** Contrast scaled around the image's mean level, so brightness stays where it was. */
function contrast(rgb, factor) {
  let sum = 0;
  for (let i = 0; i < rgb.length; i++) sum += rgb[i];
  const mean = sum / rgb.length;
  return mapTable(
    rgb,
    table((v) => mean + (v - mean) * factor),
  );
}

/** Seeded uniform numbers in [0, 1) (mulberry32, shared with the fitting scripts): the same copies on every build. */
const random = seededRandom;

/**
 * 65,536 standard normal draws (Box–Muller, fixed seed), standardised to mean 0 and SD 1: the
 * noise picks from them with seeded 16-bit indices, ten times faster than Box–Muller per pixel.
 */
const NORMALS = (() => {
  const next = random(20261201);
  const values = new Float64Array(65536);
  for (let i = 0; i < values.length; i++)
    values[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
  return values.map((v) => (v - mean) / sd);
})();

/** Independent Gaussian noise of σ levels on every channel of every pixel. */
function gaussianNoise(rgb, sigma, seed) {
  const next = random(seed);
  const out = new Uint8ClampedArray(rgb.length); // rounds and clips
  for (let i = 0; i < rgb.length; i += 2) {
    const bits = next() * 4294967296;
    out[i] = rgb[i] + sigma * NORMALS[bits & 0xffff];
    if (i + 1 < rgb.length) out[i + 1] = rgb[i + 1] + sigma * NORMALS[bits >>> 16];
  }
  return Buffer.from(out.buffer);
}

/**
 * Horizontal motion blur: the mean over `length` pixels along each row (a camera panned
 * during the exposure), by running sums so a long streak costs no more than a short one.
 */
function motionBlur(rgb, width, height, length) {
  const out = Buffer.allocUnsafe(rgb.length);
  const before = Math.floor((length - 1) / 2);
  const after = length - 1 - before;
  const clampX = (x) => (x < 0 ? 0 : x >= width ? width - 1 : x);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let x = -before; x <= after; x++) sum += rgb[row + clampX(x) * 3 + c];
      for (let x = 0; x < width; x++) {
        out[row + x * 3 + c] = Math.round(sum / length);
        sum += rgb[row + clampX(x + after + 1) * 3 + c] - rgb[row + clampX(x - before) * 3 + c];
      }
    }
  }
  return out;
}

/** A warm (tungsten-like) cast: red up, blue down by `amount`, green kept. */
function colourCast(rgb, amount) {
  const gains = [1 + amount, 1, 1 - amount];
  const out = Buffer.allocUnsafe(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = Math.min(255, Math.round(rgb[i] * gains[i % 3]));
  return out;
}

/** Down by `factor` and back up to the original size with `kernel`. */
async function resampled(rgb, width, height, factor, kernel) {
  const small = await sharpRaw(rgb, width, height)
    .resize(Math.max(1, Math.round(width / factor)), Math.max(1, Math.round(height / factor)), { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return toRgb(
    sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: 3 } }).resize(
      width,
      height,
      {
        fit: 'fill',
        kernel,
      },
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// The kinds. Level 1 is barely visible at 100 % zoom, the last level plain at screen size.
// Levels marked "at 12 MP" are scaled by sizeScale(), so they mean the same at 4 MP.

/** The resampling factor of a size-relative level: never below 1.25, or small photos would not change. */
const relativeFactor = (factor, scale) => Math.max(1.25, factor * scale);

const KINDS = {
  blur: {
    levels: [1, 2, 4, 8],
    unit: 'Gaussian σ in px at 12 MP',
    run: ({ rgb, width, height, scale }, sigma) =>
      toRgb(sharpRaw(rgb, width, height).blur(Math.max(0.3, sigma * scale))),
  },
  motion: {
    levels: [4, 10, 24, 48],
    unit: 'horizontal streak length in px at 12 MP',
    run: ({ rgb, width, height, scale }, length) => ({
      data: motionBlur(rgb, width, height, Math.max(2, Math.round(length * scale))),
      width,
      height,
    }),
  },
  noise: {
    levels: [3, 6, 12, 24],
    unit: 'Gaussian σ in levels of 255, every channel',
    run: ({ rgb, width, height, seed }, sigma) => ({
      data: gaussianNoise(rgb, sigma, seed * 7919 + width * 31 + height + sigma),
      width,
      height,
    }),
  },
  jpeg: {
    levels: [60, 35, 20, 10, 5],
    unit: 'JPEG quality of the recompression (4:2:0)',
    run: ({ rgb, width, height }, quality) => ({ data: rgb, width, height, quality }),
  },
  overexposure: {
    levels: [1 / 3, 2 / 3, 4 / 3, 2],
    unit: 'stops brighter, linear light, clipped',
    run: ({ rgb, width, height }, stops) => ({ data: exposure(rgb, stops), width, height }),
  },
  underexposure: {
    levels: [1 / 3, 2 / 3, 4 / 3, 2],
    unit: 'stops darker, linear light',
    run: ({ rgb, width, height }, stops) => ({ data: exposure(rgb, -stops), width, height }),
  },
  contrast: {
    levels: [0.8, 0.6, 0.4, 0.25],
    unit: 'contrast kept (around the mean level)',
    run: ({ rgb, width, height }, factor) => ({ data: contrast(rgb, factor), width, height }),
  },
  upscale: {
    levels: [2, 4, 8],
    unit: 'downscaled by this factor at 12 MP, then upscaled back bicubic',
    run: ({ rgb, width, height, scale }, factor) =>
      resampled(rgb, width, height, relativeFactor(factor, scale), 'cubic'),
  },
  pixelate: {
    levels: [2, 4, 8],
    unit: 'downscaled by this factor at 12 MP, then upscaled back nearest-neighbour',
    run: ({ rgb, width, height, scale }, factor) =>
      resampled(rgb, width, height, relativeFactor(factor, scale), 'nearest'),
  },
  cast: {
    levels: [0.05, 0.1, 0.18, 0.3],
    unit: 'warm cast: red gain 1 + a, blue gain 1 − a',
    run: ({ rgb, width, height }, amount) => ({ data: colourCast(rgb, amount), width, height }),
  },
  desaturate: {
    levels: [0.75, 0.5, 0.25, 0],
    unit: 'saturation kept (LCh chroma)',
    run: ({ rgb, width, height }, saturation) => toRgb(sharpRaw(rgb, width, height).modulate({ saturation })),
  },
  downscale: {
    levels: [2, 4, 8],
    unit: 'a copy 1/factor the width and height, not upscaled back',
    run: ({ rgb, width, height }, factor) =>
      toRgb(
        sharpRaw(rgb, width, height).resize(Math.round(width / factor), Math.round(height / factor), { fit: 'fill' }),
      ),
  },
};
for (const kind of Object.values(KINDS)) {
  kind.describe = (level) => `${+kind.levels[level - 1].toFixed(3)} (${kind.unit})`;
}
const KIND_NAMES = Object.keys(KINDS);

async function degradePixels(rgb, width, height, kind, level, { seed = 1, scale = sizeScale(width, height) } = {}) {
  const definition = KINDS[kind];
  if (!definition) throw new Error(`unknown degradation kind ${kind}`);
  if (!Number.isInteger(level) || level < 1 || level > definition.levels.length) {
    throw new Error(`${kind} has levels 1–${definition.levels.length}, not ${level}`);
  }
  if (rgb.length !== width * height * 3) throw new Error(`expected ${width}×${height}×3 bytes, got ${rgb.length}`);
  const result = await definition.run({ rgb, width, height, seed, scale }, definition.levels[level - 1]);
  return { quality: STORE_QUALITY, ...result };
}

function encodeJpeg(rgb, width, height, quality = STORE_QUALITY) {
  return sharpRaw(rgb, width, height).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
}

async function applyDegradation(rgb, width, height, kind, level, options) {
  const result = await degradePixels(rgb, width, height, kind, level, options);
  return encodeJpeg(result.data, result.width, result.height, result.quality);
}

/** As a phone stores a photo: upright, sRGB, at most 12 MP, JPEG q92 4:2:0, no metadata. */
async function encodeOriginal(input) {
  const image = sharp(input).autoOrient();
  const { width, height } = await sharp(input).autoOrient().metadata();
  const shrink = Math.min(1, Math.sqrt(MAX_PIXELS / (width * height)));
  const {
    data,
    width: w,
    height: h,
  } = await toRgb(
    shrink < 1
      ? image.resize(Math.floor(width * shrink), Math.floor(height * shrink), { fit: 'fill', kernel: 'lanczos3' })
      : image,
  );
  return encodeJpeg(data, w, h);
}

function decodeRgb(input) {
  return toRgb(sharp(input));
}

// ---------------------------------------------------------------------------------------------
// The build

function readManifest() {
  return JSON.parse(fs.readFileSync(MANIFEST, 'utf8')).photos;
}

function debVersion(file) {
  return execFileSync('dpkg-deb', ['-f', file, 'Version'], { encoding: 'utf8' }).trim();
}

/** The package's .deb in the cache, fetched from the Debian archive when it is not there yet. */
function ensureDeb(cacheDir, pkg, version) {
  const find = () =>
    fs
      .readdirSync(cacheDir)
      .filter((name) => name.startsWith(`${pkg}_`) && name.endsWith('.deb'))
      .map((name) => path.join(cacheDir, name))
      .find((file) => debVersion(file) === version);
  let file = find();
  if (!file) {
    process.stderr.write(`apt-get download ${pkg}=${version}\n`);
    try {
      execFileSync('apt-get', ['download', `${pkg}=${version}`], {
        cwd: cacheDir,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch {
      throw new Error(
        `could not download ${pkg} ${version} (is it still in the archive? the manifest pins this version)`,
      );
    }
    file = find();
    if (!file) throw new Error(`apt-get download ${pkg}=${version} left no matching .deb in ${cacheDir}`);
  }
  return file;
}

/** The package's extracted tree (dpkg-deb -x once; a marker says it completed). */
function ensureExtracted(cacheDir, pkg, version) {
  const dir = path.join(cacheDir, 'extract', `${pkg}_${version.replace(/:/g, '%3a')}`);
  const done = path.join(dir, '.extracted');
  if (!fs.existsSync(done)) {
    const deb = ensureDeb(cacheDir, pkg, version);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('dpkg-deb', ['-x', deb, dir]);
    fs.writeFileSync(done, `${path.basename(deb)}\n`);
  }
  return dir;
}

function sourceFile(cacheDir, photo) {
  const file = path.join(ensureExtracted(cacheDir, photo.package, photo.version), photo.path);
  if (!fs.existsSync(file))
    throw new Error(`${photo.path} is not in ${photo.package} ${photo.version} (photo ${photo.id})`);
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  if (sha256 !== photo.sha256) {
    throw new Error(
      `sha256 mismatch for ${file} (photo ${photo.id}, ${photo.package} ${photo.version}): ` +
        `got ${sha256}, the manifest says ${photo.sha256}`,
    );
  }
  return file;
}

/** Writes through a temporary name, so an interrupted build never leaves a half file behind. */
async function writeOnce(file, produce) {
  if (fs.existsSync(file)) return false;
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, await produce());
  fs.renameSync(partial, file);
  return true;
}

function variants(photo) {
  const rows = [{ kind: 'original', level: 0, name: 'original.jpg' }];
  for (const kind of KIND_NAMES) {
    KINDS[kind].levels.forEach((_, index) => rows.push({ kind, level: index + 1, name: `${kind}-${index + 1}.jpg` }));
  }
  return rows.map((row) => ({ ...row, image: `images/${photo.id}/${row.name}`, photo: photo.id, split: photo.split }));
}

async function buildPhoto(cacheDir, outDir, photo) {
  const dir = path.join(outDir, 'images', photo.id);
  fs.mkdirSync(dir, { recursive: true });
  const originalFile = path.join(dir, 'original.jpg');
  const rows = variants(photo);
  const todo = rows.filter((row) => row.level > 0 && !fs.existsSync(path.join(outDir, row.image)));
  let written = (await writeOnce(originalFile, () => encodeOriginal(sourceFile(cacheDir, photo)))) ? 1 : 0;
  if (todo.length > 0) {
    // Every copy is made from the stored original's pixels, as if the phone's file were damaged.
    const { data, width, height } = await decodeRgb(originalFile);
    for (const row of todo) {
      await writeOnce(path.join(outDir, row.image), () => applyDegradation(data, width, height, row.kind, row.level));
      written += 1;
    }
  }
  return { rows, written };
}

async function build(cacheDir, outDir) {
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  const photos = readManifest();
  const started = Date.now();
  const results = new Array(photos.length);
  let nextIndex = 0;
  let failed = false;
  // Two photos at a time: one per core, while the other waits on libvips. After a failure
  // the other worker takes no new photo, so the error is reported without delay.
  const worker = async () => {
    while (nextIndex < photos.length && !failed) {
      const index = nextIndex++;
      try {
        results[index] = await buildPhoto(cacheDir, outDir, photos[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
      const { written } = results[index];
      process.stderr.write(`  ${photos[index].id}: ${written} written, ${results[index].rows.length - written} kept\n`);
    }
  };
  await Promise.all([worker(), worker()]);
  const rows = results.flatMap((result) => result.rows);
  const csv = [
    'image,photo,split,kind,level',
    ...rows.map((r) => `${r.image},${r.photo},${r.split},${r.kind},${r.level}`),
  ];
  fs.writeFileSync(path.join(outDir, 'degradations.csv'), `${csv.join('\n')}\n`);
  const written = results.reduce((sum, result) => sum + result.written, 0);
  const holdout = photos.filter((photo) => photo.split === 'holdout').length;
  process.stdout.write(
    `${photos.length} photos (${photos.length - holdout} train, ${holdout} holdout), ${rows.length} images ` +
      `(${written} written now) in ${outDir}, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
}

module.exports = {
  KINDS,
  KIND_NAMES,
  MAX_PIXELS,
  sizeScale,
  encodeOriginal,
  decodeRgb,
  degradePixels,
  applyDegradation,
  readManifest,
};

if (require.main === module) {
  const [cacheDir, outDir, ...rest] = process.argv.slice(2);
  if (!cacheDir || !outDir || rest.length > 0 || cacheDir.startsWith('-')) {
    process.stderr.write('usage: node scripts/build-degradations.js <cache-dir> <out-dir>\n');
    process.exitCode = 2;
  } else {
    build(path.resolve(cacheDir), path.resolve(outDir)).catch((error) => {
      process.stderr.write(`build-degradations: ${error.message}\n`);
      process.exitCode = 1;
    });
  }
}
