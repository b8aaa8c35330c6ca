#!/usr/bin/env node
/**
 * How well the embedded scorer's modes agree with people on a MOS-labelled image set.
 *
 *   npm run eval -- <image-dir> <mos.csv> [--modes fast,…] [--folds 5] [--seed 20261121]
 *   npm run eval -- --pairs <degradations-dir> [--modes fast,…] [--split holdout]
 *
 * For each mode: SROCC, KROCC (τ-b), PLCC raw and after the VQEG 4-parameter logistic, and
 * the mean and 95th-percentile time per image (decode + features + prediction, one core).
 *
 * Protocol, per mode and printed with its figures: a fitted mode whose shipped model was
 * fitted on any of these images (model.json lists fingerprints of its training images) is
 * judged by k-fold cross-validation on this set, refitting the whole learner — settings
 * chosen inside each training fold — per fold; on images it has never seen, the shipped
 * model is judged as it is. A figure is never computed on images the model was fitted on.
 *
 * Pairs mode, on a set built by scripts/build-degradations.js (degradations.csv: image,
 * photo,split,kind,level; level 0 = the original): for each mode, the shipped scorer scores
 * every image of the split, and every pair of two levels of the same photo and kind
 * (original included) is right when the less degraded copy scores strictly higher (a tie is
 * wrong). Printed per kind, per level pair, overall, and original vs worst level. The
 * `downscale` copies are smaller, not damaged: they are not counted, only checked against
 * the rule that a smaller copy must not score more than 3 points above its original.
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
 *  - fitted modes also: featuresFor(file) → Promise<row>, fit(rows, targets, seed) → model
 *    and predict(model, row) → number, so it can be refitted per fold; a row carries the
 *    model's features and the points the shipped scorer took off its opinion (defects at
 *    100 %, grain, size), which a refitted fold's prediction loses too.
 */
/** Total points a shipped score took off its model's opinion (grain, defects, size). */
const pointsOff = (penalties) => Object.values(penalties).reduce((sum, points) => sum + points, 0);

const MODES = [
  {
    name: 'fast',
    summary: 'embedded features + kernel ridge/boosted trees (model.json), defect points at 100 % (defects.json), size rules',
    async load() {
      const code = fit.loadScorerCode();
      const model = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'server/src/scorers/local/model.json'), 'utf8'));
      const names = model.features.map((feature) => feature.name);
      const { scale, offset } = model.calibration;
      code.warmUpLocalScorer();
      return {
        version: code.LOCAL_MODEL_VERSION,
        trainedOn: new Set(model.trainingSet.fingerprints),
        scoreFor: async (file) => code.scoreLocal(await code.decodeWorkingImage(file)).score,
        // The model's features, and the points the shipped scorer took off its opinion: a refitted
        // fold's opinion loses the same points, so CV judges the whole score, not the model alone.
        featuresFor: async (file) => {
          const image = await code.decodeWorkingImage(file);
          const { raw } = code.extractFeatures(image);
          return { features: names.map((name) => raw[name]), pointsOff: pointsOff(code.scoreLocal(image).penalties) };
        },
        fit: (rows, targets, seed) => fit.fitBlend(rows.map((row) => row.features), targets, seed),
        predict: (model, row) => code.finalScore(offset + scale * fit.predictBlend(model, row.features) - row.pointsOff),
      };
    },
  },
  {
    name: 'deep',
    summary:
      'MobileNetV2 (bundled in nsfwjs, tfjs-wasm) pooled features of the whole image + a centre crop → ' +
      'RBF kernel ridge (server/src/scorers/deep/head.json), defect points (defects.json deep) and the size rules',
    async load() {
      const deepHead = require('./deep-head');
      const code = deepHead.loadDeepCode();
      const local = fit.loadScorerCode();
      const network = await code.loadDeepNetwork();
      const stored = code.readHeadFile();
      const shipped = code.parseHead(stored, { backbone: code.BACKBONE, layers: code.TAPPED_LAYERS });
      // scoreFor runs first on each image: its features are kept so the CNN runs once per image.
      const rows = new Map();
      /** As the plugin's embedded scorer in deep mode: the head's score less the defect points, then size. */
      const scored = async (file) => {
        const image = await local.decodeWorkingImage(file);
        const features = Float32Array.from((await code.extractDeepFeatures(network, image, deepHead.VIEWS)).vector);
        const defects = local.defectPenalty(local.scoreLocal(image).evidence, local.fittedDefects().deepWeights).points;
        const head = shipped.predict(features);
        const final = local.withSizeRules(head - defects, image);
        return { score: final.score, row: { features, pointsOff: defects + final.sizePoints } };
      };
      return {
        version: shipped.version,
        trainedOn: new Set(stored.trainingSet?.fingerprints ?? []),
        scoreFor: async (file) => {
          const { score, row } = await scored(file);
          rows.set(file, row);
          return score;
        },
        featuresFor: async (file) => rows.get(file) ?? (await scored(file)).row,
        fit: (rows, targets, seed) =>
          deepHead.fitHead(
            rows.map((row) => row.features),
            targets,
            seed,
            { layers: [...code.TAPPED_LAYERS] },
          ),
        predict: (model, row) => local.finalScore(deepHead.predictHead(model, row.features) - row.pointsOff),
      };
    },
  },
];

const USAGE = `usage: npm run eval -- <image-dir> <mos.csv> [--modes ${MODES.map((m) => m.name).join(',')}] [--folds 5] [--seed N]
       npm run eval -- --pairs <degradations-dir> [--modes ${MODES.map((m) => m.name).join(',')}] [--split holdout]

mos.csv needs a header naming the image column (image/filename/file/name) and the opinion
column (mos/score); image names are relative to <image-dir>. <degradations-dir> is the output
of node scripts/build-degradations.js (degradations.csv and images/); --split is a split named
there (train, holdout) or all.`;

const { InputError } = fit;

function parseArgs(argv) {
  const options = {
    positional: [],
    modes: MODES.map((mode) => mode.name),
    folds: 5,
    seed: DEFAULT_SEED,
    split: 'holdout',
  };
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
    else if (arg === '--pairs') options.pairs = value();
    else if (arg === '--split') options.split = value();
    else if (arg.startsWith('--')) throw new InputError(`unknown option ${arg}`);
    else options.positional.push(arg);
  }
  if (options.help) return options;
  if (options.pairs !== undefined && options.positional.length > 0) {
    throw new InputError('--pairs takes a degradations directory and no MOS table');
  }
  if (options.pairs === undefined && options.positional.length !== 2) {
    throw new InputError('expected an image directory and a MOS table');
  }
  const unknown = options.modes.filter((name) => !MODES.some((mode) => mode.name === name));
  if (unknown.length > 0) throw new InputError(`unknown mode ${unknown.join(', ')}`);
  if (!Number.isInteger(options.folds) || options.folds < 2) throw new InputError('--folds must be an integer ≥ 2');
  if (!Number.isInteger(options.seed)) throw new InputError('--seed must be an integer');
  return options;
}

/** Stops (exit 2) naming the first few of `rows` (each { image, file }) whose file is missing. */
function requireFiles(rows, csvPath, dir) {
  const missing = rows.filter((row) => !fs.existsSync(row.file));
  if (missing.length === 0) return;
  const shown = missing.slice(0, 5).map((row) => row.image);
  throw new InputError(
    `${missing.length} of ${rows.length} images listed in ${csvPath} are not in ${dir}: ` +
      `${shown.join(', ')}${missing.length > shown.length ? ', …' : ''}`,
  );
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
  requireFiles(withFiles, csvPath, imageDir);
  return { imageDir, entries: withFiles };
}

function format(value, digits = 3) {
  return value.toFixed(digits);
}

/** The shipped scorer's score of one image; its wall-clock and CPU milliseconds are pushed on `times`. */
async function timedScore(loaded, file, times) {
  const started = performance.now();
  // CPU time of this process over the same span: what the image cost on one core even when
  // other work on the machine stretches the wall-clock time.
  const cpuBefore = process.cpuUsage();
  const score = await loaded.scoreFor(file);
  times.milliseconds.push(performance.now() - started);
  const cpu = process.cpuUsage(cpuBefore);
  times.cpuMilliseconds.push((cpu.user + cpu.system) / 1000);
  return score;
}

function timingLine({ milliseconds, cpuMilliseconds }) {
  const timing = (ms) => `mean ${format(fit.meanOf(ms), 1)} ms, p95 ${format(fit.percentileOf(ms, 0.95), 1)} ms`;
  return (
    `  time per image (decode + features + prediction, one core): ${timing(milliseconds)} ` +
    `(CPU time: ${timing(cpuMilliseconds)})\n`
  );
}

/** Scores every image with the shipped scorer (timed) and, for fitted modes, extracts features. */
async function runMode(mode, loaded, entries, fingerprints, options) {
  const times = { milliseconds: [], cpuMilliseconds: [] };
  const shipped = [];
  const rows = [];
  const seen = loaded.trainedOn ? fingerprints.filter((print) => loaded.trainedOn.has(print)).length : 0;
  const refitPerFold = seen > 0;
  for (const [index, entry] of entries.entries()) {
    shipped.push(await timedScore(loaded, entry.file, times));
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
  return { protocol, figures: fit.agreement(predictions, targets), foldNote, times };
}

// ---------------------------------------------------------------------------------------------
// Pairs mode (degradations built by scripts/build-degradations.js)

const PAIR_COLUMNS = ['image', 'photo', 'split', 'kind', 'level'];
// A smaller copy is not a worse photo, but it must not look better than its original either.
const SIZE_RULE_POINTS = 3;

/** The rows of one split of a degradation set, with their files; throws if anything is missing. */
function readDegradations(dir, split) {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new InputError(`degradations directory not found: ${dir}`);
  }
  const csvPath = path.join(dir, 'degradations.csv');
  if (!fs.existsSync(csvPath)) {
    throw new InputError(`${csvPath} not found (node scripts/build-degradations.js <cache-dir> ${dir} writes it)`);
  }
  const [header, ...lines] = fs
    .readFileSync(csvPath, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  const columns = (header ?? '').split(',').map((cell) => cell.trim().toLowerCase());
  const missingColumns = PAIR_COLUMNS.filter((column) => !columns.includes(column));
  if (missingColumns.length > 0) throw new InputError(`${csvPath}: the header lacks ${missingColumns.join(', ')}`);
  const all = lines.map((line, index) => {
    const cells = line.split(',').map((cell) => cell.trim());
    const row = Object.fromEntries(PAIR_COLUMNS.map((column) => [column, cells[columns.indexOf(column)]]));
    row.level = Number(row.level);
    if (!row.image || !row.photo || !row.kind || !Number.isInteger(row.level) || row.level < 0) {
      throw new InputError(`${csvPath}, line ${index + 2}: expected image,photo,split,kind,level, got "${line}"`);
    }
    return { ...row, file: path.join(dir, row.image) };
  });
  const rows = split === 'all' ? all : all.filter((row) => row.split === split);
  if (rows.length === 0) {
    const splits = [...new Set(all.map((row) => row.split))].join(', ');
    throw new InputError(`${csvPath} has no images in split "${split}" (its splits: ${splits || 'none'}, or all)`);
  }
  requireFiles(rows, csvPath, dir);
  const originals = new Set(rows.filter((row) => row.level === 0).map((row) => row.photo));
  const orphan = rows.find((row) => !originals.has(row.photo));
  if (orphan) throw new InputError(`${csvPath}: photo ${orphan.photo} has no original (level 0) row`);
  return rows;
}

/** A tally of right and total comparisons. */
const tally = () => ({ right: 0, total: 0 });
function count(target, right) {
  target.total += 1;
  if (right) target.right += 1;
}
const percent = ({ right, total }) => (total === 0 ? '–' : `${format((100 * right) / total, 1)} %`);

/**
 * Pairwise accuracy from scored rows: per kind, per level pair of each kind, overall, and
 * original vs worst level; the downscale copies checked against the size rule instead.
 */
function pairFigures(rows, scores) {
  const photos = new Map();
  rows.forEach((row, index) => {
    if (!photos.has(row.photo)) photos.set(row.photo, { original: undefined, kinds: new Map() });
    const photo = photos.get(row.photo);
    if (row.level === 0) photo.original = scores[index];
    else {
      if (!photo.kinds.has(row.kind)) photo.kinds.set(row.kind, new Map());
      photo.kinds.get(row.kind).set(row.level, { score: scores[index], image: row.image });
    }
  });
  const kinds = new Map();
  const overall = { pairs: tally(), worst: tally() };
  const size = { over: 0, total: 0, worst: undefined };
  for (const photo of photos.values()) {
    for (const [kind, copies] of photo.kinds) {
      if (kind === 'downscale') {
        for (const copy of copies.values()) {
          const excess = copy.score - photo.original;
          size.total += 1;
          if (excess > SIZE_RULE_POINTS) size.over += 1;
          if (!size.worst || excess > size.worst.excess) size.worst = { excess, image: copy.image };
        }
        continue;
      }
      if (!kinds.has(kind)) kinds.set(kind, { pairs: tally(), worst: tally(), levels: new Map() });
      const figures = kinds.get(kind);
      const levels = [0, ...[...copies.keys()].sort((a, b) => a - b)];
      const scoreAt = (level) => (level === 0 ? photo.original : copies.get(level).score);
      for (const [i, less] of levels.entries()) {
        for (const more of levels.slice(i + 1)) {
          const right = scoreAt(less) > scoreAt(more);
          const key = `${less}-${more}`;
          if (!figures.levels.has(key)) figures.levels.set(key, tally());
          count(figures.levels.get(key), right);
          count(figures.pairs, right);
          count(overall.pairs, right);
        }
      }
      const right = photo.original > scoreAt(levels[levels.length - 1]);
      count(figures.worst, right);
      count(overall.worst, right);
    }
  }
  return { kinds, overall, size };
}

function pairsReport({ kinds, overall, size }) {
  const width = Math.max(...[...kinds.keys()].map((kind) => kind.length), 'overall'.length);
  const line = (name, figures) =>
    `  ${`${name}:`.padEnd(width + 1)} ${percent(figures.pairs).padStart(7)} of ${String(figures.pairs.total).padStart(4)} pairs` +
    `   original vs worst ${figures.worst.right}/${figures.worst.total} (${percent(figures.worst)})\n`;
  let text = '';
  for (const [kind, figures] of kinds) {
    text += line(kind, figures);
    const byLevel = [...figures.levels].map(([key, levelTally]) => `${key} ${percent(levelTally)}`);
    text += `  ${''.padEnd(width + 1)}   level pairs: ${byLevel.join(', ')}\n`;
  }
  text += line('overall', overall);
  const worst = size.worst ? ` (worst: ${format(size.worst.excess, 1)} points, ${size.worst.image})` : '';
  text +=
    `  downscale (not counted above): copies scoring more than ${SIZE_RULE_POINTS} points above their original: ` +
    `${size.over} of ${size.total}${worst}\n`;
  return text;
}

/** A path as typed relative to here, unless that climbs out of the working directory. */
function shownPath(dir) {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
}

async function runPairs(dir, options) {
  const rows = readDegradations(dir, options.split);
  sharp.concurrency(1);
  const photos = [...new Set(rows.map((row) => row.photo))];
  const fingerprints = rows.map((row) => fit.imageFingerprint(row.file));
  process.stdout.write(
    `pairs: ${rows.length} images of ${photos.length} photos (split ${options.split}) from ` +
      `${shownPath(dir)} (degradations.csv)\n` +
      `  photos: ${photos.join(', ')}\n` +
      '  protocol: every pair of two levels of the same photo and kind (level 0 = the original); the less ' +
      'degraded must score strictly higher, a tie counts as wrong; downscale copies are not counted, only ' +
      `checked against the rule that they may not score more than ${SIZE_RULE_POINTS} points above their original\n`,
  );
  for (const mode of MODES.filter((candidate) => options.modes.includes(candidate.name))) {
    const loaded = await mode.load();
    const times = { milliseconds: [], cpuMilliseconds: [] };
    const scores = [];
    for (const [index, row] of rows.entries()) {
      scores.push(await timedScore(loaded, row.file, times));
      if ((index + 1) % 100 === 0) process.stderr.write(`  ${mode.name}: ${index + 1}/${rows.length} images\n`);
    }
    const seen = loaded.trainedOn ? fingerprints.filter((print) => loaded.trainedOn.has(print)).length : 0;
    const protocol =
      seen > 0
        ? `shipped model as is, but it was fitted on ${seen} of these ${rows.length} images: not a held-out figure`
        : `shipped model as is (fitted on none of these ${rows.length} images)`;
    process.stdout.write(
      `\n${mode.name} (${loaded.version}): ${mode.summary}\n  protocol: ${protocol}\n` +
        pairsReport(pairFigures(rows, scores)) +
        timingLine(times),
    );
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.pairs !== undefined) {
    await runPairs(path.resolve(options.pairs), options);
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
    process.stdout.write(
      `\n${mode.name} (${loaded.version}): ${mode.summary}\n` +
        `  protocol: ${result.protocol}\n` +
        `  SROCC ${format(srocc)}${result.foldNote}  KROCC ${format(krocc)}  ` +
        `PLCC ${format(plcc)}  PLCC after 4-parameter logistic ${format(plccLogistic)}\n` +
        timingLine(result.times),
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
