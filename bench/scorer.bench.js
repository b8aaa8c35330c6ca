#!/usr/bin/env node
/**
 * Embedded-scorer cost against its floor.
 *
 *   node bench/scorer.bench.js [--iterations 30] [--json]
 *
 * Generates a 4000×3000 JPEG (quality 90) of a synthetic but photo-like scene, then, in one
 * interleaved run after warm-up and with one libvips thread, times
 *   (a) the shrink-on-load floor: sharp's decode of that JPEG to ≤ 512 px raw pixels, the
 *       least any pixel-based scorer must pay;
 *   (b) the full-decode floor: sharp's decode of the whole JPEG to raw pixels at 100 %, what
 *       a scorer that looked at every stored pixel would pay;
 *   (c) the full local scoring as uploads get it: decodeWorkingImageDeferred (the overview;
 *       the 100 % band and the JPEG's tables go on decoding) + scoreLocalDeferred (the
 *       overview's measurements meanwhile, then the band's).
 * and prints the median of each, c/a, and c/b (goal ≤ 1.0: the fast mode looks at the
 * full-resolution evidence for less than one full decode). Wall-clock and CPU time are both
 * printed: libvips decodes on libuv's threads, so CPU time is the cost on a loaded server.
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
      "export { decodeWorkingImageDeferred } from './server/src/prepare/decode';",
      "export { scoreLocalDeferred } from './server/src/scorers/local/index';",
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

/** Wall-clock and CPU time (every thread of this process: libvips decodes off the main thread). */
async function timed(work) {
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const result = await work();
  const cpu = process.cpuUsage(cpuBefore);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, result };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const scorer = loadScorer();
  sharp.cache(false);

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'photo-score-bench-'));
  const file = path.join(tmpDir, 'scene-4000x3000-q90.jpg');
  fs.writeFileSync(file, await photoLikeJpeg());
  const input = fs.readFileSync(file);

  // One libvips thread, as the goal is stated: the floors and the scorer get the same.
  sharp.concurrency(1);
  const shrinkFloor = () => sharp(input).resize(512, 512, { fit: 'inside' }).raw().toBuffer();
  const fullDecode = () => sharp(input).raw().toBuffer();
  // The plugin's path (pipeline/prepare.ts, scorers/embedded.ts): the overview is measured while
  // libvips still decodes the 100 % band.
  const local = async () => {
    const decoded = await timed(() => scorer.decodeWorkingImageDeferred(input));
    const scored = await timed(() => scorer.scoreLocalDeferred(decoded.result));
    return { decodeMs: decoded.ms, scoreMs: scored.ms, score: scored.result };
  };
  const runs = { shrink: shrinkFloor, full: fullDecode, local };
  const samples = { shrink: [], full: [], local: [], shrinkCpu: [], fullCpu: [], localCpu: [], decode: [], score: [] };

  for (let i = 0; i < WARM_UP; i++) for (const run of Object.values(runs)) await run();
  let lastScore;
  // Every order in turn, so each contender runs right after each other one equally often: the
  // full decode leaves 36 MB of pixels whose collection lands on whoever runs next, and a plain
  // rotation put the local scorer after it in two iterations of three (the shrink floor in one).
  const orders = [
    ['shrink', 'full', 'local'],
    ['full', 'local', 'shrink'],
    ['local', 'shrink', 'full'],
    ['shrink', 'local', 'full'],
    ['local', 'full', 'shrink'],
    ['full', 'shrink', 'local'],
  ];
  for (let i = 0; i < options.iterations; i++) {
    for (const name of orders[i % orders.length]) {
      const { ms, cpuMs, result } = await timed(runs[name]);
      samples[name].push(ms);
      samples[`${name}Cpu`].push(cpuMs);
      if (name === 'local') {
        samples.decode.push(result.decodeMs);
        samples.score.push(result.scoreMs);
        lastScore = result.score;
      }
    }
  }
  if (process.env.KEEP_BENCH_IMAGE) fs.copyFileSync(file, process.env.KEEP_BENCH_IMAGE);
  fs.rmSync(tmpDir, { recursive: true, force: true });

  const m = (values) => Number(median(values).toFixed(1));
  const p90 = (values) => Number(percentile(values, 0.9).toFixed(1));
  const ratio = (a, b) => Number((median(a) / median(b)).toFixed(2));
  const summary = {
    bench: 'scorer',
    image: { width: WIDTH, height: HEIGHT, jpegQuality: 90, megabytes: Number((input.length / 1e6).toFixed(2)) },
    iterations: options.iterations,
    shrinkFloorMedianMs: m(samples.shrink),
    shrinkFloorP90Ms: p90(samples.shrink),
    fullDecodeMedianMs: m(samples.full),
    fullDecodeP90Ms: p90(samples.full),
    localMedianMs: m(samples.local),
    localP90Ms: p90(samples.local),
    localDecodeMedianMs: m(samples.decode),
    localFeaturesAndModelMedianMs: m(samples.score),
    ratioToShrinkFloor: ratio(samples.local, samples.shrink),
    ratioToFullDecode: ratio(samples.local, samples.full),
    cpu: {
      shrinkFloorMedianMs: m(samples.shrinkCpu),
      fullDecodeMedianMs: m(samples.fullCpu),
      localMedianMs: m(samples.localCpu),
      ratioToShrinkFloor: ratio(samples.localCpu, samples.shrinkCpu),
      ratioToFullDecode: ratio(samples.localCpu, samples.fullCpu),
    },
    goalRatioToFullDecode: 1.0,
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
  const s = summary;
  process.stdout.write(
    [
      `scorer bench: ${WIDTH}×${HEIGHT} JPEG q90 (${s.image.megabytes} MB), one libvips thread, ${options.iterations} interleaved iterations after ${WARM_UP} warm-up`,
      `  (a) floor  sharp shrink-on-load → 512 px raw   median ${s.shrinkFloorMedianMs} ms  p90 ${s.shrinkFloorP90Ms} ms  (CPU ${s.cpu.shrinkFloorMedianMs} ms)`,
      `  (b) floor  sharp full decode → raw at 100 %    median ${s.fullDecodeMedianMs} ms  p90 ${s.fullDecodeP90Ms} ms  (CPU ${s.cpu.fullDecodeMedianMs} ms)`,
      `  (c) local  decode + score (band overlapped)    median ${s.localMedianMs} ms  p90 ${s.localP90Ms} ms  (CPU ${s.cpu.localMedianMs} ms)`,
      `             of which the overview's decode ${s.localDecodeMedianMs} ms, then features, the band's wait and the model ${s.localFeaturesAndModelMedianMs} ms`,
      `  ratio c/a ${s.ratioToShrinkFloor} (CPU ${s.cpu.ratioToShrinkFloor})   ratio c/b ${s.ratioToFullDecode} (CPU ${s.cpu.ratioToFullDecode}; goal ≤ ${s.goalRatioToFullDecode})   score ${s.score}`,
      `  node ${s.node}, ${s.cpus} CPUs, sharp ${s.sharp} / libvips ${s.libvips}`,
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 1;
});
