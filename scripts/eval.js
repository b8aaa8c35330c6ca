#!/usr/bin/env node
/**
 * How well the embedded scorer's modes agree with people on a MOS-labelled image set.
 *
 *   npm run eval -- <image-dir> <mos.csv> [--modes fast,…] [--folds 5] [--seed 20261121]
 *
 * For each mode: SROCC, KROCC (τ-b), PLCC raw and after the VQEG 4-parameter logistic, and
 * the mean and 95th-percentile time per image (decode + features + prediction, one core).
 *
 * Protocol, per mode and printed with its figures: a fitted mode whose shipped model was
 * fitted on any of these images (model.json lists fingerprints of its training images) is
 * judged by k-fold cross-validation on this set, refitting the whole learner — settings
 * chosen inside each training fold — per fold; on images it has never seen, the shipped
 * model is judged as it is. A figure is never computed on images the model was fitted on.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const { REPO_ROOT } = require('./require-ts');
const fit = require('./quality-fit');

const DEFAULT_SEED = 20261121;

/**
 * The modes. A mode is { name, summary, load() } where load() resolves to:
 *  - version: string, printed with the figures;
 *  - scoreFor(file): Promise<number>, the shipped scorer (timed, decode included);
 *  - trainedOn: Set of fingerprints (fit.imageFingerprint) of the images its shipped model
 *    was fitted on, or null for a mode not fitted on MOS at all;
 *  - fitted modes also: featuresFor(file) → Promise<number[]>, fit(rows, targets, seed) →
 *    model and predict(model, row) → number, so it can be refitted per fold.
 */
const MODES = [
  {
    name: 'fast',
    summary: 'embedded features + kernel ridge/boosted trees (server/src/scorers/local/model.json)',
    async load() {
      const code = fit.loadScorerCode();
      const model = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'server/src/scorers/local/model.json'), 'utf8'));
      const names = model.features.map((feature) => feature.name);
      code.warmUpLocalScorer();
      return {
        version: code.LOCAL_MODEL_VERSION,
        trainedOn: new Set(model.trainingSet.fingerprints),
        scoreFor: async (file) => code.scoreLocal(await code.decodeWorkingImage(file)).score,
        featuresFor: async (file) => {
          const { raw } = code.extractFeatures(await code.decodeWorkingImage(file));
          return names.map((name) => raw[name]);
        },
        fit: fit.fitBlend,
        predict: fit.predictBlend,
      };
    },
  },
  {
    name: 'deep',
    summary:
      'MobileNetV2 (bundled in nsfwjs, tfjs-wasm) pooled features of the whole image + a centre crop → ' +
      'RBF kernel ridge (server/src/scorers/deep/head.json)',
    async load() {
      const deepHead = require('./deep-head');
      const code = deepHead.loadDeepCode();
      const network = await code.loadDeepNetwork();
      const stored = code.readHeadFile();
      const shipped = code.parseHead(stored, { backbone: code.BACKBONE, layers: code.TAPPED_LAYERS });
      // scoreFor runs first on each image: its features are kept so the CNN runs once per image.
      const features = new Map();
      return {
        version: shipped.version,
        trainedOn: new Set(stored.trainingSet?.fingerprints ?? []),
        scoreFor: async (file) => {
          const row = await deepHead.featuresOf(code, network, file);
          features.set(file, row);
          return Math.min(100, Math.max(0, shipped.predict(row)));
        },
        featuresFor: async (file) => features.get(file) ?? deepHead.featuresOf(code, network, file),
        fit: (rows, targets, seed) => deepHead.fitHead(rows, targets, seed, { layers: [...code.TAPPED_LAYERS] }),
        predict: deepHead.predictHead,
      };
    },
  },
];

const USAGE = `usage: npm run eval -- <image-dir> <mos.csv> [--modes ${MODES.map((m) => m.name).join(',')}] [--folds 5] [--seed N]

mos.csv needs a header naming the image column (image/filename/file/name) and the opinion
column (mos/score); image names are relative to <image-dir>.`;

const { InputError } = fit;

function parseArgs(argv) {
  const options = { positional: [], modes: MODES.map((mode) => mode.name), folds: 5, seed: DEFAULT_SEED };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new InputError(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--modes') options.modes = value().split(',');
    else if (arg === '--folds') options.folds = Number(value());
    else if (arg === '--seed') options.seed = Number(value());
    else if (arg.startsWith('--')) throw new InputError(`unknown option ${arg}`);
    else options.positional.push(arg);
  }
  if (options.help) return options;
  if (options.positional.length !== 2) throw new InputError('expected an image directory and a MOS table');
  const unknown = options.modes.filter((name) => !MODES.some((mode) => mode.name === name));
  if (unknown.length > 0) throw new InputError(`unknown mode ${unknown.join(', ')}`);
  if (!Number.isInteger(options.folds) || options.folds < 2) throw new InputError('--folds must be an integer ≥ 2');
  if (!Number.isInteger(options.seed)) throw new InputError('--seed must be an integer');
  return options;
}

/** The MOS rows with their image paths; throws if the directory or any image is missing. */
function resolveImages(givenDir, csvPath) {
  if (!fs.existsSync(givenDir) || !fs.statSync(givenDir).isDirectory()) {
    throw new InputError(`image directory not found: ${givenDir}`);
  }
  const entries = fit.readMos(csvPath);
  if (entries.length < 10) throw new InputError(`${csvPath} lists ${entries.length} images; at least 10 are needed`);
  // Given the dataset folder (mos.csv beside images/, as in ../shared/datasets), use its images/.
  const nested = path.join(givenDir, 'images');
  const imageDir =
    !fs.existsSync(path.join(givenDir, entries[0].image)) && fs.existsSync(path.join(nested, entries[0].image))
      ? nested
      : givenDir;
  const withFiles = entries.map((entry) => ({ ...entry, file: path.join(imageDir, entry.image) }));
  const missing = withFiles.filter((entry) => !fs.existsSync(entry.file));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((entry) => entry.image);
    throw new InputError(
      `${missing.length} of ${entries.length} images listed in ${csvPath} are not in ${imageDir}: ` +
        `${shown.join(', ')}${missing.length > shown.length ? ', …' : ''}`,
    );
  }
  return { imageDir, entries: withFiles };
}

function format(value, digits = 3) {
  return value.toFixed(digits);
}

/** Scores every image with the shipped scorer (timed) and, for fitted modes, extracts features. */
async function runMode(mode, loaded, entries, fingerprints, options) {
  const milliseconds = [];
  // CPU time of this process over the same span: what the image cost on one core even when
  // other work on the machine stretches the wall-clock time.
  const cpuMilliseconds = [];
  const shipped = [];
  const rows = [];
  const seen = loaded.trainedOn ? fingerprints.filter((print) => loaded.trainedOn.has(print)).length : 0;
  const refitPerFold = seen > 0;
  for (const [index, entry] of entries.entries()) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    shipped.push(await loaded.scoreFor(entry.file));
    milliseconds.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMilliseconds.push((cpu.user + cpu.system) / 1000);
    if (refitPerFold) rows.push(await loaded.featuresFor(entry.file));
    if ((index + 1) % 100 === 0) process.stderr.write(`  ${mode.name}: ${index + 1}/${entries.length} images\n`);
  }
  const targets = entries.map((entry) => entry.mos);
  let predictions = shipped;
  let protocol = loaded.trainedOn
    ? `shipped model as is (fitted on none of these ${entries.length} images)`
    : 'shipped scorer as is (not fitted on opinion scores)';
  let foldNote = '';
  if (refitPerFold) {
    process.stderr.write(`  ${mode.name}: ${options.folds}-fold cross-validation, refitting per fold…\n`);
    const cv = fit.crossValidate(rows, targets, {
      folds: options.folds,
      seed: options.seed,
      fit: loaded.fit,
      predict: loaded.predict,
    });
    predictions = cv.predictions;
    protocol =
      `nested ${options.folds}-fold cross-validation on this set, learner refitted per fold (seed ${options.seed}); ` +
      `the shipped model was fitted on ${seen} of these ${entries.length} images, so it is not scored on them`;
    foldNote = ` (per fold ${format(cv.foldSrocc.mean)} ± ${format(cv.foldSrocc.std)})`;
  }
  return { protocol, figures: fit.agreement(predictions, targets), foldNote, milliseconds, cpuMilliseconds };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [givenDir, csvPath] = options.positional.map((given) => path.resolve(given));
  const { imageDir, entries } = resolveImages(givenDir, csvPath);
  // One libvips thread: the timings are per image on one core, decode included.
  sharp.concurrency(1);
  const fingerprints = entries.map((entry) => fit.imageFingerprint(entry.file));
  const mos = entries.map((entry) => entry.mos);
  process.stdout.write(
    `${entries.length} images from ${path.relative(process.cwd(), imageDir) || '.'}, ` +
      `MOS ${format(Math.min(...mos), 1)}–${format(Math.max(...mos), 1)} (${path.basename(csvPath)})\n`,
  );
  for (const mode of MODES.filter((candidate) => options.modes.includes(candidate.name))) {
    const loaded = await mode.load();
    const result = await runMode(mode, loaded, entries, fingerprints, options);
    const { srocc, krocc, plcc, plccLogistic } = result.figures;
    const timing = (ms) => `mean ${format(fit.meanOf(ms), 1)} ms, p95 ${format(fit.percentileOf(ms, 0.95), 1)} ms`;
    process.stdout.write(
      `\n${mode.name} (${loaded.version}): ${mode.summary}\n` +
        `  protocol: ${result.protocol}\n` +
        `  SROCC ${format(srocc)}${result.foldNote}  KROCC ${format(krocc)}  ` +
        `PLCC ${format(plcc)}  PLCC after 4-parameter logistic ${format(plccLogistic)}\n` +
        `  time per image (decode + features + prediction, one core): ${timing(result.milliseconds)} ` +
        `(CPU time: ${timing(result.cpuMilliseconds)})\n`,
    );
  }
}

main().catch((error) => {
  if (error instanceof fit.InputError) {
    process.stderr.write(`eval: ${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  }
});
