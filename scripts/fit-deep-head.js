#!/usr/bin/env node
/**
 * Fits the deep mode's head (server/src/scorers/deep/head.json) on a MOS-labelled image set
 * and prints its cross-validated agreement with people.
 *
 *   node scripts/fit-deep-head.js ../shared/datasets/clive-dev [--out path] [--seed 20261121]
 *        [--repeats 3] [--cache /tmp/deep-features]
 *
 * The dataset dir holds mos.csv (image,mos,…) and images/. Every image goes through the code
 * the plugin runs (decodeWorkingImage at 512 px, then MobileNetV2 from nsfwjs on tfjs-wasm:
 * whole image + centre crop, channel means and deviations of six blocks), bundled on the fly
 * with esbuild, so training and serving cannot drift apart. `--cache` keeps those features
 * between runs (keyed by backbone, views, layers and image count).
 *
 * Learner: scripts/deep-head.js. The figures printed are NESTED cross-validation: `--repeats`
 * × 5 outer folds with a fixed seed; the standardisation, kernel width and ridge penalty are
 * fitted inside each outer training fold, and the outer fold is only predicted. The shipped
 * head is then refitted on all images, its settings chosen by 5-fold CV on them all.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const fit = require('./quality-fit');
const head = require('./deep-head');

const DEFAULT_OUT = head.repoPath('server/src/scorers/deep/head.json');
const DEFAULT_SEED = 20261121;

function parseArgs(argv) {
  const options = { dataset: undefined, out: DEFAULT_OUT, seed: DEFAULT_SEED, repeats: 3, cache: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') options.out = path.resolve(argv[++i]);
    else if (arg === '--seed') options.seed = Number(argv[++i]);
    else if (arg === '--repeats') options.repeats = Number(argv[++i]);
    else if (arg === '--cache') options.cache = path.resolve(argv[++i]);
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (!options.dataset) options.dataset = path.resolve(arg);
    else throw new Error(`unexpected argument ${arg}`);
  }
  return options;
}

async function extractAll(code, files, cache) {
  const key = JSON.stringify({
    backbone: code.BACKBONE,
    views: head.VIEWS,
    layers: code.TAPPED_LAYERS,
    files: files.length,
  });
  if (cache && fs.existsSync(`${cache}.bin`) && fs.existsSync(`${cache}.json`)) {
    const meta = JSON.parse(fs.readFileSync(`${cache}.json`, 'utf8'));
    if (meta.key === key) {
      const flat = new Float32Array(new Uint8Array(fs.readFileSync(`${cache}.bin`)).buffer);
      console.log(`features of ${files.length} images read from ${cache}.bin`);
      return files.map((_, i) => flat.subarray(i * meta.dim, (i + 1) * meta.dim));
    }
  }
  const network = await code.loadDeepNetwork();
  const rows = [];
  const started = performance.now();
  for (const [index, file] of files.entries()) {
    rows.push(await head.featuresOf(code, network, file));
    if ((index + 1) % 100 === 0) process.stderr.write(`  features: ${index + 1}/${files.length} images\n`);
  }
  console.log(
    `features of ${files.length} images: model loaded in ${network.loadMs} ms, ` +
      `${((performance.now() - started) / files.length).toFixed(0)} ms per image (decode + CNN; wall clock)`,
  );
  if (cache) {
    const dim = rows[0].length;
    const flat = new Float32Array(rows.length * dim);
    rows.forEach((row, i) => flat.set(row, i * dim));
    fs.writeFileSync(`${cache}.bin`, Buffer.from(flat.buffer));
    fs.writeFileSync(`${cache}.json`, JSON.stringify({ key, dim }));
  }
  return rows;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help || !options.dataset) {
    console.log(fs.readFileSync(__filename, 'utf8').split('*/')[0]);
    process.exit(options.help ? 0 : 2);
  }
  const code = head.loadDeepCode();
  const entries = fit.readMos(path.join(options.dataset, 'mos.csv'));
  const files = entries.map((entry) => path.join(options.dataset, 'images', entry.image));
  const targets = entries.map((entry) => entry.mos);
  const rows = await extractAll(code, files, options.cache);
  const layers = [...code.TAPPED_LAYERS];

  const cv = head.nestedCrossValidation(rows, targets, {
    seed: options.seed,
    repeats: options.repeats,
    layers,
    onRepeat: (r, pooled) =>
      process.stderr.write(`  repeat ${r + 1}/${options.repeats}: pooled SROCC ${pooled.srocc.toFixed(3)}\n`),
  });
  console.log(`\nDeep head on ${rows.length} images, ${rows[0].length} features (${head.VIEWS.join(' + ')})`);
  console.log(`  ${cv.protocol}`);
  console.log(`  SROCC per outer fold: ${cv.foldSrocc.mean.toFixed(3)} ± ${cv.foldSrocc.sd.toFixed(3)}`);
  console.log(
    `  out-of-fold predictions pooled (mean of repeats): SROCC ${cv.pooled.srocc.toFixed(3)}, ` +
      `PLCC ${cv.pooled.plcc.toFixed(3)}, KROCC ${cv.pooled.krocc.toFixed(3)}`,
  );
  console.log(`  settings chosen in the outer folds: ${cv.chosen.join('; ')}`);

  const model = head.fitHead(rows, targets, options.seed, { layers, innerFolds: 5 });
  const json = head.headJson(model, {
    version: `deep-mnv2-krr-${new Date().toISOString().slice(0, 10)}`,
    backbone: code.BACKBONE,
    crossValidation: { dataset: path.basename(options.dataset), images: rows.length, ...cv, final: model.settings },
    fingerprints: files.map((file) => fit.imageFingerprint(file)),
  });

  // The shipped code must reproduce the learner's own predictions from the written data.
  const shipped = code.parseHead(JSON.parse(JSON.stringify(json)), { backbone: code.BACKBONE, layers });
  const drift = Math.max(...rows.map((row) => Math.abs(shipped.predict(row) - head.predictHead(model, row))));
  if (!(drift < 1e-6)) throw new Error(`head.json does not reproduce the fitted head (max difference ${drift})`);
  fs.writeFileSync(options.out, `${JSON.stringify(json)}\n`);
  console.log(
    `\nwrote ${path.relative(process.cwd(), options.out)}: ${json.version}, γ=${model.settings.g}/median d², ` +
      `λ=${model.settings.lambda}, ${(fs.statSync(options.out).size / 1e6).toFixed(1)} MB`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
