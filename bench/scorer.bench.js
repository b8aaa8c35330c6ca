#!/usr/bin/env node
/**
 * Embedded-scorer cost against its floor.
 *
 *   node bench/scorer.bench.js [--iterations 30] [--json]
 *
 * Generates a 4000×3000 JPEG (quality 90) of a synthetic but photo-like scene, then, in one
 * interleaved run after warm-up, times
 *   (a) the floor: sharp's shrink-on-load decode of that JPEG to ≤ 512 px raw pixels, the least
 *       any pixel-based scorer must pay, and
 *   (b) the full local scoring: decodeWorkingImage + scoreLocal.
 * and prints the median of each and the ratio b/a (goal ≤ 1.5).
 *
 * The TypeScript sources are bundled on the fly with esbuild, so no build is needed.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { requireTypeScript } = require('../scripts/require-ts');
const sharp = require('sharp');

const WIDTH = 4000;
const HEIGHT = 3000;
const WARM_UP = 5;

function loadScorer() {
  return requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { scoreLocal } from './server/src/scorers/local/index';",
      "export { extractFeatures } from './server/src/scorers/local/features';",
    ],
    'bench-scorer',
  );
}

function parseArgs(argv) {
  const options = { iterations: 30, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--iterations') options.iterations = Number(argv[++i]);
    else if (argv[i] === '--json') options.json = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!(options.iterations >= 3)) throw new Error('--iterations must be ≥ 3');
  return options;
}

/**
 * Seeded grain around mid-grey (mean of two uniform bytes, σ ≈ 52), so every run
 * benchmarks the very same JPEG; sharp's own noise generator cannot be seeded.
 */
function deterministicGrain(width, height, seed) {
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const first = state >>> 24;
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const second = state >>> 24;
    pixels[i] = (first + second) >> 1;
  }
  return pixels;
}

/**
 * A scene with what makes real photos expensive to decode and non-trivial to score: smooth
 * gradients (sky), large shapes with hard edges, fine high-entropy texture (grain, foliage),
 * and text. Noise texture keeps the JPEG at a realistic 3–6 MB.
 */
async function photoLikeJpeg() {
  const shapes = [];
  for (let k = 0; k < 24; k++) {
    const x = (k * 523) % WIDTH;
    const y = 1200 + ((k * 977) % 1700);
    const r = 60 + ((k * 131) % 260);
    const hue = (k * 47) % 360;
    shapes.push(`<circle cx="${x}" cy="${y}" r="${r}" fill="hsl(${hue},55%,45%)"/>`);
    shapes.push(
      `<rect x="${(x + 900) % WIDTH}" y="${y - 300}" width="${r * 2}" height="${r}" fill="hsl(${(hue + 180) % 360},40%,60%)"/>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#1d4f9c"/><stop offset="1" stop-color="#e6eef7"/>
      </linearGradient>
      <linearGradient id="ground" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="#2d5a1d"/><stop offset="1" stop-color="#b8a862"/>
      </linearGradient>
    </defs>
    <rect width="${WIDTH}" height="${HEIGHT}" fill="url(#sky)"/>
    <path d="M0 1300 Q1000 1000 2000 1250 T4000 1200 V3000 H0 Z" fill="url(#ground)"/>
    ${shapes.join('\n    ')}
    <text x="300" y="700" font-family="sans-serif" font-size="220" fill="#fff">Benchmark scene</text>
  </svg>`;
  const grain = await sharp(deterministicGrain(WIDTH, HEIGHT, 20261121), {
    raw: { width: WIDTH, height: HEIGHT, channels: 3 },
  })
    .blur(0.6)
    .png({ compressionLevel: 0 })
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

async function timed(work) {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const scorer = loadScorer();
  // No libvips operation cache: every iteration must decode from scratch, for both sides.
  sharp.cache(false);

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'photo-score-bench-'));
  const file = path.join(tmpDir, 'scene-4000x3000-q90.jpg');
  fs.writeFileSync(file, await photoLikeJpeg());
  const input = fs.readFileSync(file);

  const floor = () => sharp(input).resize(512, 512, { fit: 'inside' }).raw().toBuffer();
  const full = async () => {
    const decoded = await timed(() => scorer.decodeWorkingImage(input));
    const scored = await timed(() => scorer.scoreLocal(decoded.result));
    return { decodeMs: decoded.ms, scoreMs: scored.ms, score: scored.result };
  };

  for (let i = 0; i < WARM_UP; i++) {
    await floor();
    await full();
  }
  const floorMs = [];
  const fullMs = [];
  const decodeMs = [];
  const scoreMs = [];
  let lastScore;
  for (let i = 0; i < options.iterations; i++) {
    // Alternate the order so neither side always runs on a cache-warm or cache-cold CPU.
    const runFloor = async () => floorMs.push((await timed(floor)).ms);
    const runFull = async () => {
      const { ms, result } = await timed(full);
      fullMs.push(ms);
      decodeMs.push(result.decodeMs);
      scoreMs.push(result.scoreMs);
      lastScore = result.score;
    };
    if (i % 2 === 0) {
      await runFloor();
      await runFull();
    } else {
      await runFull();
      await runFloor();
    }
  }
  fs.rmSync(tmpDir, { recursive: true, force: true });

  const summary = {
    bench: 'scorer',
    image: { width: WIDTH, height: HEIGHT, jpegQuality: 90, megabytes: Number((input.length / 1e6).toFixed(2)) },
    iterations: options.iterations,
    floorMedianMs: Number(median(floorMs).toFixed(1)),
    floorP90Ms: Number(percentile(floorMs, 0.9).toFixed(1)),
    localMedianMs: Number(median(fullMs).toFixed(1)),
    localP90Ms: Number(percentile(fullMs, 0.9).toFixed(1)),
    localDecodeMedianMs: Number(median(decodeMs).toFixed(1)),
    localFeaturesAndModelMedianMs: Number(median(scoreMs).toFixed(1)),
    ratio: Number((median(fullMs) / median(floorMs)).toFixed(2)),
    goalRatio: 1.5,
    score: lastScore.score,
    node: process.version,
    cpus: os.cpus().length,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  process.stdout.write(
    [
      `scorer bench: ${WIDTH}×${HEIGHT} JPEG q90 (${summary.image.megabytes} MB), ${options.iterations} interleaved iterations after ${WARM_UP} warm-up`,
      `  (a) floor  sharp shrink-on-load → 512 px raw   median ${summary.floorMedianMs} ms  p90 ${summary.floorP90Ms} ms`,
      `  (b) local  decodeWorkingImage + scoreLocal     median ${summary.localMedianMs} ms  p90 ${summary.localP90Ms} ms`,
      `             of which decode ${summary.localDecodeMedianMs} ms, features + model ${summary.localFeaturesAndModelMedianMs} ms`,
      `  ratio b/a ${summary.ratio} (goal ≤ ${summary.goalRatio})   score ${summary.score}`,
      `  node ${summary.node}, ${summary.cpus} CPUs, sharp ${summary.sharp} / libvips ${summary.libvips}`,
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 1;
});
