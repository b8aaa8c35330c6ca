#!/usr/bin/env node
/**
 * The deep embedded mode: load time, memory, and time per image after warm-up.
 *
 *   node bench/deep.bench.js [--iterations 40] [--images <dir>]
 *
 * In a fresh process: loads the network and head (what bootstrap does once per process) and
 * reports the time and the RSS / V8 heap before and after; then scores images after 5
 * warm-up rounds — decodeWorkingImage (512 px) + scoreDeep, i.e. decode, the two 224×224
 * views, the CNN and the head — and reports the median, p90 and CPU time per image, and the
 * memory after them. Images: a 4000×3000 synthetic JPEG (bench/harness.js), or every image
 * of `--images` (e.g. ../shared/datasets/clive-dev/images) taken in turn.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const { requireTypeScript } = require('../scripts/require-ts');
const { syntheticPhoto, median } = require('./harness');

function parseArgs(argv) {
  const options = { iterations: 40, images: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--iterations') options.iterations = Number(argv[++i]);
    else if (argv[i] === '--images') options.images = path.resolve(argv[++i]);
    else if (argv[i] !== '--json') throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const memory = () => {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return `RSS ${mb(rss)}, V8 heap ${mb(heapUsed)}, external ${mb(external)} (of which ArrayBuffers ${mb(arrayBuffers)})`;
};
const percentile = (values, fraction) => [...values].sort((a, b) => a - b)[Math.ceil(fraction * values.length) - 1];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  sharp.cache(false);
  const code = requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { loadDeepScorer, scoreDeep } from './server/src/scorers/deep';",
    ],
    'deep-bench',
  );
  global.gc?.();
  console.log(`before load: ${memory()}`);
  const loadStarted = performance.now();
  const { network, head } = await code.loadDeepScorer();
  console.log(
    `load: ${(performance.now() - loadStarted).toFixed(0)} ms (network ${network.loadMs} ms incl. warm-up inference; head ${head.version})`,
  );
  global.gc?.();
  console.log(`after load: ${memory()}`);

  const inputs = options.images
    ? fs
        .readdirSync(options.images)
        .filter((name) => /\.(jpe?g|png|webp)$/i.test(name))
        .sort()
        .map((name) => fs.readFileSync(path.join(options.images, name)))
    : [await syntheticPhoto({ width: 4000, height: 3000 })];
  const described = options.images ? `${inputs.length} images of ${options.images}` : 'a 4000×3000 JPEG';
  const score = async (bytes) => code.scoreDeep(await code.decodeWorkingImage(bytes, 512));
  for (let i = 0; i < 5; i++) await score(inputs[i % inputs.length]);

  const wall = [];
  const cpu = [];
  for (let i = 0; i < options.iterations; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await score(inputs[i % inputs.length]);
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  console.log(
    `per image (${described}, ${options.iterations} after 5 warm-up): median ${median(wall).toFixed(1)} ms, ` +
      `p90 ${percentile(wall, 0.9).toFixed(1)} ms; CPU median ${median(cpu).toFixed(1)} ms`,
  );
  global.gc?.();
  console.log(`after ${options.iterations + 5} images: ${memory()}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
