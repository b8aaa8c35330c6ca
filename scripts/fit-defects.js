#!/usr/bin/env node
/**
 * Fits the embedded scorer's defect penalties (server/src/scorers/local/defects.ts) and writes
 * server/src/scorers/local/defects.json.
 *
 *   node scripts/fit-defects.js <clive-dev-dir> <degradations-dir> [--cache file.json] [--seed N]
 *
 * Data:
 * - the CLIVE opinions (<clive-dev-dir>/mos.csv and images/): the score minus the penalties
 *   must still agree with people. The opinion model was fitted on these photos, so its
 *   out-of-fold predictions (5-fold, the learner refitted per fold) stand in for it here;
 * - the `train` photos of the degradation set (scripts/build-degradations.js): every pair of
 *   two levels of one photo and one kind (level 0 = the original) is a constraint that the
 *   less damaged copy scores at least 2 points per level higher. `downscale` is not damage
 *   and is left to the size rule; `holdout` photos are never read.
 *
 * Objective over non-negative weights w (projected Adam):
 *   mean over CLIVE (mos − (base − B·w))² + α · mean over pairs max(0, margin − Δscore)² + β‖w‖²
 * α is chosen by 3-fold cross-validation over the train photos (pairs of a photo are
 * judged only by a fit that did not see that photo), and the CLIVE agreement is reported by
 * 5-fold cross-validation (weights refitted without the fold's photos). No figure is
 * computed on what was fitted.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { requireTypeScript, REPO_ROOT } = require('./require-ts');
const fit = require('./quality-fit');

const OUT = path.join(REPO_ROOT, 'server/src/scorers/local/defects.json');
const DEFAULT_SEED = 20261201;
const MARGIN_PER_LEVEL = 2;
/** A smaller copy may score at most this much above its photo (the size rule of issue 8). */
const DOWNSCALE_TOLERANCE = 3;
/** Copies below this size are the size rule's (size.ts: the default target): they lose points there. */
const TARGET_MEGAPIXELS = 2;
const ALPHAS = [3, 10, 30, 100, 300];
/** How much CLIVE SROCC (5-fold) the penalties may cost: they must not make the score disagree with people. */
const MAX_SROCC_LOSS = 0.01;
const BETA = 1e-4;

function loadCode() {
  return requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { extractFeatures, measureMonochrome } from './server/src/scorers/local/features';",
      "export { predictOpinionScore, grainPenalty } from './server/src/scorers/local';",
      "export { measureDefects, defectBasis, DEFECT_TERM_NAMES } from './server/src/scorers/local/defects';",
    ],
    'fit-defects',
  );
}

function parseArgs(argv) {
  const options = { positional: [], cache: null, seed: DEFAULT_SEED, mode: 'fast' };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cache') options.cache = path.resolve(argv[++i]);
    else if (argv[i] === '--mode') options.mode = argv[++i];
    else if (argv[i] === '--seed') options.seed = Number(argv[++i]);
    else options.positional.push(path.resolve(argv[i]));
  }
  if (options.positional.length !== 2 || !['fast', 'deep'].includes(options.mode)) {
    throw new fit.InputError(
      'usage: node scripts/fit-defects.js <clive-dev-dir> <degradations-dir> [--mode fast|deep] [--cache f]',
    );
  }
  return options;
}

/**
 * Per image: the model's feature row, its base score, the defect measures and their basis.
 * The measures are cached by path (the basis is not, so new knots need no new decoding).
 */
async function measureAll(code, files, names, cache, label) {
  const out = [];
  const fields = Object.keys(cache[Object.keys(cache)[0]]?.measures ?? {});
  for (const [index, file] of files.entries()) {
    const stale = !cache[file] || fields.length === 0;
    if (stale) {
      const image = await code.decodeWorkingImage(file);
      const { raw } = code.extractFeatures(image);
      const measures = code.measureDefects(image, raw, code.measureMonochrome(image));
      cache[file] = {
        row: names.map((name) => raw[name]),
        base: code.predictOpinionScore(raw) - code.grainPenalty(raw.grainLog),
        grain: code.grainPenalty(raw.grainLog),
        megapixels: (image.originalWidth * image.originalHeight) / 1e6,
        measures,
      };
    }
    out.push({ ...cache[file], basis: Array.from(code.defectBasis(cache[file].measures)) });
    if ((index + 1) % 200 === 0) process.stderr.write(`  ${label}: ${index + 1}/${files.length}\n`);
  }
  return out;
}

/**
 * The deep head's scores: out-of-fold (5-fold, refitted per fold) on CLIVE, which it was
 * fitted on, and the shipped head's on the train photos, which it never saw. Cached beside
 * the measurements (`<cache>.deep.json`): the CNN costs ≈ 0.15 s an image.
 */
async function deepBases(cliveFiles, entries, targets, options) {
  const cacheFile = options.cache ? `${options.cache}.deep.json` : null;
  const cached = cacheFile && fs.existsSync(cacheFile) ? JSON.parse(fs.readFileSync(cacheFile, 'utf8')) : {};
  if (cached.clive?.length === cliveFiles.length && cached.entries?.length === entries.length) return cached;
  const deepHead = require('./deep-head');
  const code = deepHead.loadDeepCode();
  const network = await code.loadDeepNetwork();
  const head = code.parseHead(code.readHeadFile(), { backbone: code.BACKBONE, layers: code.TAPPED_LAYERS });
  const rows = [];
  for (const [i, file] of cliveFiles.entries()) {
    rows.push(await deepHead.featuresOf(code, network, file));
    if ((i + 1) % 100 === 0) process.stderr.write(`  deep features: ${i + 1}/${cliveFiles.length}\n`);
  }
  process.stderr.write('  deep head: 5-fold out-of-fold predictions on clive-dev…\n');
  const cv = fit.crossValidate(rows, targets, {
    folds: 5,
    seed: options.seed,
    fit: (train, t, seed) => deepHead.fitHead(train, t, seed, { layers: [...code.TAPPED_LAYERS] }),
    predict: deepHead.predictHead,
  });
  const scores = [];
  for (const [i, entry] of entries.entries()) {
    scores.push(head.predict(await deepHead.featuresOf(code, network, entry.file)));
    if ((i + 1) % 200 === 0) process.stderr.write(`  deep head: ${i + 1}/${entries.length} train images\n`);
  }
  const result = { clive: cv.predictions, entries: scores };
  if (cacheFile) fs.writeFileSync(cacheFile, JSON.stringify(result));
  return result;
}

function readDegradations(dir) {
  const csv = path.join(dir, 'degradations.csv');
  if (!fs.existsSync(csv)) throw new fit.InputError(`${csv} not found: run scripts/build-degradations.js first`);
  const [header, ...lines] = fs.readFileSync(csv, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const entry = Object.fromEntries(columns.map((column, i) => [column, cells[i]]));
    return { ...entry, level: Number(entry.level), file: path.join(dir, entry.image) };
  });
}

/** Pairs (better, worse, margin) within each photo and kind, level 0 shared by all kinds. */
function pairsOf(entries) {
  const byPhoto = new Map();
  for (const entry of entries) {
    if (!byPhoto.has(entry.photo)) byPhoto.set(entry.photo, []);
    byPhoto.get(entry.photo).push(entry);
  }
  const pairs = [];
  for (const [photo, items] of byPhoto) {
    const original = items.find((item) => item.level === 0);
    // A size change is the size rule's business, and a full conversion to black and white is a
    // choice, not damage: a monochrome photo is judged as one (no colour penalty).
    const damaged = items.filter((item) => item.level > 0 && item.kind !== 'downscale' && !item.measures.monochrome);
    const kinds = new Set(damaged.map((item) => item.kind));
    for (const kind of kinds) {
      const ladder = [original, ...damaged.filter((item) => item.kind === kind).sort((a, b) => a.level - b.level)];
      for (let i = 0; i < ladder.length; i++) {
        for (let j = i + 1; j < ladder.length; j++) {
          pairs.push({ photo, kind, better: ladder[i], worse: ladder[j], margin: MARGIN_PER_LEVEL * (j - i) });
        }
      }
    }
    // A smaller copy is never the better asset: no more than DOWNSCALE_TOLERANCE above the photo.
    // (Below the target size the size rule takes care of it; the penalties must not undo that.)
    for (const copy of items.filter((item) => item.kind === 'downscale' && item.megapixels >= TARGET_MEGAPIXELS)) {
      pairs.push({ photo, kind: 'downscale', better: original, worse: copy, margin: -DOWNSCALE_TOLERANCE });
    }
  }
  return pairs;
}

/** Projected Adam on the objective above; columns are rescaled so one step size suits all. */
function fitWeights(clive, pairs, alpha, terms, steps = 2000) {
  const scale = new Float64Array(terms).fill(1e-9);
  const rows = [...clive.map((c) => c.basis), ...pairs.flatMap((p) => [p.better.basis, p.worse.basis])];
  for (const sample of rows) for (let k = 0; k < terms; k++) scale[k] = Math.max(scale[k], Math.abs(sample[k]));
  // Flat, rescaled design matrices: CLIVE rows, and the better-minus-worse rows of the pairs.
  const C = new Float64Array(clive.length * terms);
  const cliveResidual0 = new Float64Array(clive.length); // mos − base
  clive.forEach((c, i) => {
    cliveResidual0[i] = c.mos - c.base;
    for (let k = 0; k < terms; k++) C[i * terms + k] = c.basis[k] / scale[k];
  });
  const P = new Float64Array(pairs.length * terms);
  const pairGap0 = new Float64Array(pairs.length); // margin − Δbase
  pairs.forEach((p, i) => {
    pairGap0[i] = p.margin - (p.better.base - p.worse.base);
    for (let k = 0; k < terms; k++) P[i * terms + k] = (p.better.basis[k] - p.worse.basis[k]) / scale[k];
  });
  const v = new Float64Array(terms);
  const m = new Float64Array(terms);
  const s = new Float64Array(terms);
  const grad = new Float64Array(terms);
  const rate = 0.5;
  for (let step = 1; step <= steps; step++) {
    grad.fill(0);
    for (let i = 0; i < clive.length; i++) {
      let residual = cliveResidual0[i];
      for (let k = 0; k < terms; k++) residual += C[i * terms + k] * v[k];
      const factor = (2 * residual) / clive.length;
      for (let k = 0; k < terms; k++) grad[k] += factor * C[i * terms + k];
    }
    for (let i = 0; i < pairs.length; i++) {
      let shortfall = pairGap0[i];
      for (let k = 0; k < terms; k++) shortfall += P[i * terms + k] * v[k];
      if (shortfall <= 0) continue;
      const factor = (alpha * 2 * shortfall) / pairs.length;
      for (let k = 0; k < terms; k++) grad[k] += factor * P[i * terms + k];
    }
    for (let k = 0; k < terms; k++) {
      grad[k] += 2 * BETA * v[k];
      m[k] = 0.9 * m[k] + 0.1 * grad[k];
      s[k] = 0.999 * s[k] + 0.001 * grad[k] * grad[k];
      const mHat = m[k] / (1 - 0.9 ** step);
      const sHat = s[k] / (1 - 0.999 ** step);
      v[k] = Math.max(0, v[k] - (rate * mHat) / (Math.sqrt(sHat) + 1e-8));
    }
  }
  return Array.from(v, (value, k) => value / scale[k]);
}

const scoreOf = (sample, weights) => sample.base - sample.basis.reduce((sum, b, k) => sum + b * weights[k], 0);

function pairAccuracy(pairs, weights) {
  if (pairs.length === 0) return NaN;
  return pairs.filter((p) => scoreOf(p.better, weights) > scoreOf(p.worse, weights)).length / pairs.length;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const [cliveDir, degradationsDir] = options.positional;
  const code = loadCode();
  const model = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'server/src/scorers/local/model.json'), 'utf8'));
  const names = model.features.map((feature) => feature.name);
  const terms = code.DEFECT_TERM_NAMES.length;
  const cache = options.cache && fs.existsSync(options.cache) ? JSON.parse(fs.readFileSync(options.cache, 'utf8')) : {};

  const mos = fit.readMos(path.join(cliveDir, 'mos.csv'));
  const cliveFiles = mos.map((entry) => path.join(cliveDir, 'images', entry.image));
  const cliveSamples = await measureAll(code, cliveFiles, names, cache, 'clive-dev');
  const entries = readDegradations(degradationsDir).filter((entry) => entry.split === 'train');
  const degradedSamples = await measureAll(code, entries.map((entry) => entry.file), names, cache, 'degradations');
  if (options.cache) fs.writeFileSync(options.cache, JSON.stringify(cache));
  entries.forEach((entry, i) => Object.assign(entry, degradedSamples[i]));

  // The opinion model has seen every CLIVE photo: stand in its out-of-fold predictions.
  const targets = mos.map((entry) => entry.mos);
  let clive;
  if (options.mode === 'deep') {
    const deep = await deepBases(cliveFiles, entries, targets, options);
    clive = cliveSamples.map((sample, i) => ({ mos: targets[i], base: deep.clive[i], basis: sample.basis }));
    entries.forEach((entry, i) => (entry.base = deep.entries[i]));
  } else {
    process.stderr.write('  opinion model: 5-fold out-of-fold predictions on clive-dev…\n');
    const cv = fit.crossValidate(
      cliveSamples.map((sample) => sample.row),
      targets,
      { folds: 5, seed: options.seed },
    );
    const { scale, offset } = model.calibration;
    clive = cliveSamples.map((sample, i) => ({
      mos: targets[i],
      base: offset + scale * cv.predictions[i] - sample.grain,
      basis: sample.basis,
    }));
  }
  const pairs = pairsOf(entries);
  const photos = [...new Set(entries.map((entry) => entry.photo))].sort();
  process.stderr.write(`  ${clive.length} CLIVE photos, ${photos.length} train photos, ${pairs.length} pairs\n`);

  // Per α: pair accuracy by 3-fold CV over train photos, CLIVE agreement by 5-fold CV (weights
  // refitted without the fold's CLIVE photos). The best pair accuracy within MAX_SROCC_LOSS wins.
  const photoFolds = fit.foldAssignment(photos.length, 3, options.seed);
  const photoFold = new Map(photos.map((photo, i) => [photo, photoFolds[i]]));
  const cliveFolds = fit.foldAssignment(clive.length, 5, options.seed + 7);
  const baseAgreement = fit.agreement(clive.map((c) => c.base), targets);
  const alphaResults = ALPHAS.map((alpha) => {
    let right = 0;
    let total = 0;
    for (let f = 0; f < 3; f++) {
      const weights = fitWeights(clive, pairs.filter((p) => photoFold.get(p.photo) !== f), alpha, terms);
      const test = pairs.filter((p) => photoFold.get(p.photo) === f);
      right += pairAccuracy(test, weights) * test.length;
      total += test.length;
    }
    const cvScores = fit.outOfFold(clive.length, cliveFolds, (train) => {
      const weights = fitWeights(train.map((i) => clive[i]), pairs, alpha, terms);
      return (i) => scoreOf(clive[i], weights);
    });
    const agreement = fit.agreement(cvScores, targets);
    process.stderr.write(`  α ${alpha}: pairs ${(100 * right / total).toFixed(1)} %, CLIVE SROCC ${agreement.srocc.toFixed(3)}\n`);
    return { alpha, pairAccuracy: right / total, agreement };
  });
  const admissible = alphaResults.filter((r) => r.agreement.srocc >= baseAgreement.srocc - MAX_SROCC_LOSS);
  const best = (admissible.length > 0 ? admissible : alphaResults.slice(0, 1)).reduce((a, b) =>
    b.pairAccuracy > a.pairAccuracy ? b : a,
  );
  const withDefects = best.agreement;

  const weights = fitWeights(clive, pairs, best.alpha, terms);
  const round = (value, digits = 4) => Number(value.toFixed(digits));
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '').replace(/^(\d{8})/, '$1-');
  const result = {
    version: `defects-${stamp}`,
    fittedAt: new Date().toISOString(),
    protocol:
      `non-negative hinge weights; CLIVE squared error on the opinion model's out-of-fold predictions + ` +
      `α·squared hinge on ${pairs.length} pairs of ${photos.length} train photos (margin ${MARGIN_PER_LEVEL} points per level); ` +
      `α: the best pair accuracy by 3-fold CV over photos whose CLIVE SROCC by 5-fold CV loses at most ${MAX_SROCC_LOSS}`,
    trainPhotos: photos,
    alpha: best.alpha,
    alphaSearch: alphaResults.map((r) => ({
      alpha: r.alpha,
      pairAccuracy: round(r.pairAccuracy),
      cliveSrocc: round(r.agreement.srocc),
    })),
    crossValidation: {
      clive: {
        sroccBase: round(baseAgreement.srocc),
        sroccWithDefects: round(withDefects.srocc),
        plccBase: round(baseAgreement.plcc),
        plccWithDefects: round(withDefects.plcc),
      },
      trainPhotoPairAccuracy: round(best.pairAccuracy),
    },
    terms: code.DEFECT_TERM_NAMES,
    weights: weights.map((w) => round(w, 5)),
  };
  // One file for both modes: the fast mode's weights at the top, the deep head's under `deep`.
  const previous = fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, 'utf8')) : {};
  const written =
    options.mode === 'deep'
      ? { ...previous, deep: result }
      : { ...result, ...(previous.deep ? { deep: previous.deep } : {}) };
  fs.writeFileSync(OUT, `${JSON.stringify(written, null, 1)}\n`);
  process.stdout.write(
    `defects ${result.version} (${options.mode} mode): α ${best.alpha}\n` +
      `  pairs of unseen train photos (3-fold by photo): ${round(best.pairAccuracy * 100, 1)} % right\n` +
      `  CLIVE SROCC (5-fold): opinion model ${round(baseAgreement.srocc, 3)} → with defects ${round(withDefects.srocc, 3)}; ` +
      `PLCC ${round(baseAgreement.plcc, 3)} → ${round(withDefects.plcc, 3)}\n` +
      `  written to ${path.relative(process.cwd(), OUT)}\n`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof fit.InputError ? error.message : error.stack || error}\n`);
    process.exitCode = error instanceof fit.InputError ? 2 : 1;
  });
}

module.exports = { readDegradations, pairsOf, fitWeights, scoreOf, pairAccuracy };
