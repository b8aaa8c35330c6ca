#!/usr/bin/env node
/**
 * Fits the embedded ("local") scorer's regressor on a MOS-labelled image set and writes
 * server/src/scorers/local/model.json.
 *
 *   node scripts/fit-local-model.js ../shared/datasets/clive-dev [--out path] [--seed 20261121]
 *
 * The dataset dir holds mos.csv (image,mos,mos_std) and images/. Each image goes through the
 * same decodeWorkingImage + extractFeatures code the plugin runs (bundled on the fly with
 * esbuild), so training and serving features cannot drift apart.
 *
 * Model: the average of two regressors on clipped, standardised features:
 *  - ridge regression, optionally with squared terms (penalty and expansion chosen by CV);
 *  - gradient-boosted regression trees (depth 3, shrinkage, row/column subsampling; fixed
 *    settings picked once during development), which capture the non-monotone parts
 *    (exposure, saturation) a linear model cannot.
 * The reported quality is nested 5-fold cross-validation (the ridge settings are chosen
 * inside each training fold) with a fixed seed: never fit-on-train figures. The final model
 * is refitted on all images with the settings chosen by 5-fold CV.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { requireTypeScript, REPO_ROOT } = require('./require-ts');

const DEFAULT_OUT = path.join(REPO_ROOT, 'server/src/scorers/local/model.json');
const FOLDS = 5;
const LAMBDAS = [0.3, 1, 3, 10, 30, 100, 300, 1000];
const EXPANSIONS = ['linear', 'squares'];
const BOOSTING = { trees: 250, learningRate: 0.04, depth: 3, minLeaf: 10, rowSample: 0.7, columnSample: 0.5 };
const BLEND = { ridge: 0.5, trees: 0.5 };

/** Bundles the TypeScript feature code with esbuild and loads it as a CommonJS module. */
function loadFeatureCode() {
  return requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { extractFeatures } from './server/src/scorers/local/features';",
    ],
    'fit-features',
  );
}

function parseArgs(argv) {
  const options = { dataset: undefined, out: DEFAULT_OUT, seed: 20261121 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') options.out = path.resolve(argv[++i]);
    else if (arg === '--seed') options.seed = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (!options.dataset) options.dataset = path.resolve(arg);
    else throw new Error(`unexpected argument ${arg}`);
  }
  return options;
}

function readMos(datasetDir) {
  const text = fs.readFileSync(path.join(datasetDir, 'mos.csv'), 'utf8');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  const imageColumn = columns.indexOf('image');
  const mosColumn = columns.indexOf('mos');
  if (imageColumn < 0 || mosColumn < 0) throw new Error('mos.csv needs image and mos columns');
  return lines.map((line) => {
    const cells = line.split(',');
    return { image: cells[imageColumn], mos: Number(cells[mosColumn]) };
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** Mulberry32: small, seedable, good enough for shuffling folds. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function foldAssignment(count, folds, seed) {
  const order = Array.from({ length: count }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const fold = new Array(count);
  order.forEach((index, position) => (fold[index] = position % folds));
  return fold;
}

function pearson(a, b) {
  const n = a.length;
  const meanA = a.reduce((s, v) => s + v, 0) / n;
  const meanB = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA,
      db = b[i] - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

function ranks(values) {
  const order = values.map((v, i) => [v, i]).sort((x, y) => x[0] - y[0]);
  const result = new Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2;
    for (let k = i; k <= j; k++) result[order[k][1]] = rank;
    i = j + 1;
  }
  return result;
}

function spearman(a, b) {
  return pearson(ranks(a), ranks(b));
}

function meanOf(values) {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function stdOf(values) {
  const mean = meanOf(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

// ---------------------------------------------------------------------------------------------
// Ridge regression

/** Solves the symmetric positive-definite system A x = b by Cholesky decomposition. */
function solveSpd(A, b) {
  const n = b.length;
  const L = A.map((row) => row.slice());
  for (let j = 0; j < n; j++) {
    let diagonal = L[j][j];
    for (let k = 0; k < j; k++) diagonal -= L[j][k] * L[j][k];
    if (diagonal <= 0) throw new Error('matrix not positive definite');
    L[j][j] = Math.sqrt(diagonal);
    for (let i = j + 1; i < n; i++) {
      let sum = L[i][j];
      for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
      L[i][j] = sum / L[j][j];
    }
  }
  const y = new Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= L[i][k] * y[k];
    y[i] = sum / L[i][i];
  }
  const x = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= L[k][i] * x[k];
    x[i] = sum / L[i][i];
  }
  return x;
}

/** Robust standardisation: mean/std after clipping raw values to the 1st–99th percentile. */
function standardiser(rows, columns) {
  return columns.map((_, c) => {
    const sorted = rows.map((row) => row[c]).sort((a, b) => a - b);
    const low = sorted[Math.floor(0.01 * (sorted.length - 1))];
    const high = sorted[Math.ceil(0.99 * (sorted.length - 1))];
    const clipped = sorted.map((v) => Math.min(high, Math.max(low, v)));
    const mean = meanOf(clipped);
    const std = stdOf(clipped) || 1;
    return { low, high, mean, std };
  });
}

/** Same expansion as the serving code in index.ts: clip, standardise, optionally square. */
function expand(row, scaling, expansion) {
  const z = standardise(row, scaling);
  if (expansion === 'linear') return z;
  return z.concat(z.map((v) => (v * v - 1) / Math.SQRT2));
}

function fitRidge(rows, targets, columns, lambda, expansion) {
  const scaling = standardiser(rows, columns);
  const X = rows.map((row) => expand(row, scaling, expansion));
  const p = X[0].length;
  const targetMean = meanOf(targets);
  const featureMeans = new Array(p).fill(0);
  for (const x of X) for (let j = 0; j < p; j++) featureMeans[j] += x[j] / X.length;
  const A = Array.from({ length: p }, () => new Array(p).fill(0));
  const b = new Array(p).fill(0);
  for (let i = 0; i < X.length; i++) {
    const x = X[i].map((v, j) => v - featureMeans[j]);
    const t = targets[i] - targetMean;
    for (let j = 0; j < p; j++) {
      b[j] += x[j] * t;
      for (let k = j; k < p; k++) A[j][k] += x[j] * x[k];
    }
  }
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < j; k++) A[j][k] = A[k][j];
    A[j][j] += lambda;
  }
  const weights = solveSpd(A, b);
  const intercept = targetMean - weights.reduce((s, w, j) => s + w * featureMeans[j], 0);
  return { scaling, expansion, lambda, weights, intercept };
}

function predictRidge(model, row) {
  const x = expand(row, model.scaling, model.expansion);
  return x.reduce((s, v, j) => s + v * model.weights[j], model.intercept);
}

/** Out-of-fold predictions for one setting. */
function crossValidatedPredictions(rows, targets, columns, folds, setting) {
  const predictions = new Array(rows.length);
  const k = Math.max(...folds) + 1;
  for (let f = 0; f < k; f++) {
    const train = [],
      test = [];
    folds.forEach((fold, i) => (fold === f ? test : train).push(i));
    const model = fitRidge(
      train.map((i) => rows[i]),
      train.map((i) => targets[i]),
      columns,
      setting.lambda,
      setting.expansion,
    );
    for (const i of test) predictions[i] = predictRidge(model, rows[i]);
  }
  return predictions;
}

/** Picks the expansion and penalty with the best CV Spearman on the given data. */
function chooseSetting(rows, targets, columns, seed) {
  const folds = foldAssignment(rows.length, FOLDS, seed);
  let best;
  for (const expansion of EXPANSIONS) {
    for (const lambda of LAMBDAS) {
      const predictions = crossValidatedPredictions(rows, targets, columns, folds, { lambda, expansion });
      const srocc = spearman(predictions, targets);
      if (!best || srocc > best.srocc) best = { lambda, expansion, srocc };
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Gradient-boosted regression trees (least squares). A tree is a leaf value or
// [featureIndex, threshold, whenBelowOrEqual, whenAbove]; leaf values already include the
// learning rate, so a prediction is base + the sum of the trees' leaves.

function fitTree(X, residuals, indices, depth, minLeaf, features) {
  const total = indices.reduce((s, i) => s + residuals[i], 0);
  const leaf = total / indices.length;
  if (depth === 0 || indices.length < 2 * minLeaf) return leaf;
  let best;
  for (const feature of features) {
    const order = indices.slice().sort((a, b) => X[a][feature] - X[b][feature] || a - b);
    let leftSum = 0;
    for (let k = 0; k < order.length - 1; k++) {
      leftSum += residuals[order[k]];
      const leftCount = k + 1;
      const rightCount = order.length - leftCount;
      if (leftCount < minLeaf || rightCount < minLeaf) continue;
      const here = X[order[k]][feature];
      const next = X[order[k + 1]][feature];
      if (here === next) continue;
      const rightSum = total - leftSum;
      const gain = (leftSum * leftSum) / leftCount + (rightSum * rightSum) / rightCount;
      if (!best || gain > best.gain) best = { gain, feature, threshold: (here + next) / 2 };
    }
  }
  if (!best) return leaf;
  const below = indices.filter((i) => X[i][best.feature] <= best.threshold);
  const above = indices.filter((i) => X[i][best.feature] > best.threshold);
  return [
    best.feature,
    best.threshold,
    fitTree(X, residuals, below, depth - 1, minLeaf, features),
    fitTree(X, residuals, above, depth - 1, minLeaf, features),
  ];
}

function predictTree(tree, x) {
  let node = tree;
  while (Array.isArray(node)) node = x[node[0]] <= node[1] ? node[2] : node[3];
  return node;
}

function scaleLeaves(tree, factor) {
  return Array.isArray(tree)
    ? [tree[0], tree[1], scaleLeaves(tree[2], factor), scaleLeaves(tree[3], factor)]
    : tree * factor;
}

function fitBoosting(X, targets, seed, settings = BOOSTING) {
  const random = seededRandom(seed);
  const base = meanOf(targets);
  const predictions = targets.map(() => base);
  const columnCount = X[0].length;
  const trees = [];
  for (let t = 0; t < settings.trees; t++) {
    const residuals = targets.map((target, i) => target - predictions[i]);
    const rows = X.map((_, i) => i).filter(() => random() < settings.rowSample);
    let features = Array.from({ length: columnCount }, (_, j) => j).filter(() => random() < settings.columnSample);
    if (features.length === 0) features = [Math.floor(random() * columnCount)];
    const tree = scaleLeaves(
      fitTree(X, residuals, rows, settings.depth, settings.minLeaf, features),
      settings.learningRate,
    );
    trees.push(tree);
    for (let i = 0; i < X.length; i++) predictions[i] += predictTree(tree, X[i]);
  }
  return { base, trees };
}

function predictBoosting(model, x) {
  return model.trees.reduce((sum, tree) => sum + predictTree(tree, x), model.base);
}

function roundTree(tree) {
  return Array.isArray(tree) ? [tree[0], round(tree[1]), roundTree(tree[2]), roundTree(tree[3])] : round(tree);
}

// ---------------------------------------------------------------------------------------------
// The blended model

function standardise(row, scaling) {
  return row.map((v, c) => {
    const s = scaling[c];
    return (Math.min(s.high, Math.max(s.low, v)) - s.mean) / s.std;
  });
}

/** Fits ridge (settings given) and boosted trees on the same standardisation. */
function fitBlend(rows, targets, columns, ridgeSetting, seed) {
  const ridge = fitRidge(rows, targets, columns, ridgeSetting.lambda, ridgeSetting.expansion);
  const X = rows.map((row) => standardise(row, ridge.scaling));
  const boosting = fitBoosting(X, targets, seed);
  return { ridge, boosting };
}

function predictBlend(model, row) {
  const ridge = predictRidge(model.ridge, row);
  const trees = predictBoosting(model.boosting, standardise(row, model.ridge.scaling));
  return { ridge, trees, blend: BLEND.ridge * ridge + BLEND.trees * trees };
}

/** Out-of-fold blended predictions for fixed settings (used for the calibration). */
function crossValidatedBlend(rows, targets, columns, folds, ridgeSetting, seed) {
  const predictions = new Array(rows.length);
  for (let f = 0; f < FOLDS; f++) {
    const train = [],
      test = [];
    folds.forEach((fold, i) => (fold === f ? test : train).push(i));
    const model = fitBlend(
      train.map((i) => rows[i]),
      train.map((i) => targets[i]),
      columns,
      ridgeSetting,
      seed + f,
    );
    for (const i of test) predictions[i] = predictBlend(model, rows[i]).blend;
  }
  return predictions;
}

// ---------------------------------------------------------------------------------------------

async function extractAll(datasetDir, entries, code) {
  const rows = [];
  let columns;
  const started = Date.now();
  for (const [index, entry] of entries.entries()) {
    const image = await code.decodeWorkingImage(path.join(datasetDir, 'images', entry.image));
    const { raw } = code.extractFeatures(image);
    if (!columns) columns = Object.keys(raw);
    rows.push(columns.map((name) => raw[name]));
    if ((index + 1) % 100 === 0) process.stderr.write(`  features: ${index + 1}/${entries.length}\n`);
  }
  process.stderr.write(`  features for ${entries.length} images in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return { rows, columns };
}

/** Drops columns that do not vary on the training set (e.g. resolution on a 500×500 set). */
function informativeColumns(rows, columns) {
  return columns.filter((_, c) => stdOf(rows.map((row) => row[c])) > 1e-9);
}

function round(value, digits = 6) {
  return Number(value.toPrecision(digits));
}

/** Pretty JSON, but one line per tree and per weight list, so model diffs stay readable. */
function serialiseModel(output) {
  const placeholder = (name) => `"@@${name}@@"`;
  const compact = {
    ...output,
    ridge: { ...output.ridge, weights: '@@weights@@' },
    trees: { ...output.trees, trees: '@@trees@@' },
  };
  return JSON.stringify(compact, null, 2)
    .replace(placeholder('weights'), JSON.stringify(output.ridge.weights))
    .replace(
      placeholder('trees'),
      `[\n      ${output.trees.trees.map((tree) => JSON.stringify(tree)).join(',\n      ')}\n    ]`,
    );
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help || !options.dataset) {
    process.stdout.write('usage: node scripts/fit-local-model.js <dataset-dir> [--out model.json] [--seed N]\n');
    process.exitCode = options.help ? 0 : 2;
    return;
  }
  const code = loadFeatureCode();
  const entries = readMos(options.dataset);
  const targets = entries.map((entry) => entry.mos);
  const extracted = await extractAll(options.dataset, entries, code);
  const columns = informativeColumns(extracted.rows, extracted.columns);
  const rows = extracted.rows.map((row) => columns.map((name) => row[extracted.columns.indexOf(name)]));

  // Nested CV: ridge settings are chosen inside each outer training fold only.
  const outerFolds = foldAssignment(rows.length, FOLDS, options.seed);
  const outOfFold = { ridge: new Array(rows.length), trees: new Array(rows.length), blend: new Array(rows.length) };
  const perFold = [];
  for (let f = 0; f < FOLDS; f++) {
    const train = [],
      test = [];
    outerFolds.forEach((fold, i) => (fold === f ? test : train).push(i));
    const trainRows = train.map((i) => rows[i]);
    const trainTargets = train.map((i) => targets[i]);
    const setting = chooseSetting(trainRows, trainTargets, columns, options.seed + 1 + f);
    const model = fitBlend(trainRows, trainTargets, columns, setting, options.seed + 100 + f);
    const predicted = test.map((i) => predictBlend(model, rows[i]));
    test.forEach((i, k) => {
      for (const part of ['ridge', 'trees', 'blend']) outOfFold[part][i] = predicted[k][part];
    });
    const blended = predicted.map((p) => p.blend);
    const actual = test.map((i) => targets[i]);
    perFold.push({ srocc: spearman(blended, actual), plcc: pearson(blended, actual) });
    process.stderr.write(
      `  fold ${f + 1}: SROCC ${perFold[f].srocc.toFixed(3)} PLCC ${perFold[f].plcc.toFixed(3)} ` +
        `(ridge ${setting.expansion}, λ=${setting.lambda})\n`,
    );
  }
  const componentFigures = (part) => ({
    sroccPooled: round(spearman(outOfFold[part], targets), 4),
    plccPooled: round(pearson(outOfFold[part], targets), 4),
  });
  const cv = {
    folds: FOLDS,
    seed: options.seed,
    nested: true,
    sroccMean: round(meanOf(perFold.map((f) => f.srocc)), 4),
    sroccStd: round(stdOf(perFold.map((f) => f.srocc)), 4),
    plccMean: round(meanOf(perFold.map((f) => f.plcc)), 4),
    plccStd: round(stdOf(perFold.map((f) => f.plcc)), 4),
    sroccPooled: round(spearman(outOfFold.blend, targets), 4),
    plccPooled: round(pearson(outOfFold.blend, targets), 4),
    components: { ridge: componentFigures('ridge'), trees: componentFigures('trees') },
  };

  // Final model on all images, ridge settings by plain 5-fold CV on all images.
  const setting = chooseSetting(rows, targets, columns, options.seed);
  const model = fitBlend(rows, targets, columns, setting, options.seed);

  // Regression shrinks predictions toward the mean. Stretch them so their spread on unseen
  // images (out-of-fold predictions with the final settings) matches the spread of the MOS:
  // the CLIVE slider was labelled bad/poor/fair/good/excellent in 20-point bands, so on the
  // MOS scale the 0–100 classes mean what people said. Affine: ranks and PLCC are unchanged.
  const finalFolds = foldAssignment(rows.length, FOLDS, options.seed);
  const calibrationPredictions = crossValidatedBlend(rows, targets, columns, finalFolds, setting, options.seed);
  const calibrationScale = stdOf(targets) / stdOf(calibrationPredictions);
  const calibration = {
    scale: round(calibrationScale),
    offset: round(meanOf(targets) - calibrationScale * meanOf(calibrationPredictions)),
  };
  // How often the 20-point class of an unseen image matches the class of its MOS.
  const classOf = (score) => Math.min(5, Math.max(1, Math.floor(Math.min(100, Math.max(0, score)) / 20) + 1));
  const classPairs = calibrationPredictions.map((p, i) => [
    classOf(calibration.offset + calibration.scale * p),
    classOf(targets[i]),
  ]);
  cv.classExact = round(classPairs.filter(([a, b]) => a === b).length / classPairs.length, 4);
  cv.classWithinOne = round(classPairs.filter(([a, b]) => Math.abs(a - b) <= 1).length / classPairs.length, 4);

  const fittedAt = new Date().toISOString();
  const output = {
    version: `local-${fittedAt.slice(0, 10).replace(/-/g, '')}`,
    kind: 'ridge+boosted-trees',
    trainingSet: {
      name: path.basename(options.dataset),
      description: 'CLIVE (LIVE In the Wild Image Quality Challenge), fixed half of its 1162 images',
      images: rows.length,
      mosMean: round(meanOf(targets), 4),
      mosStd: round(stdOf(targets), 4),
    },
    fittedAt,
    crossValidation: cv,
    features: columns.map((name, c) => ({
      name,
      low: round(model.ridge.scaling[c].low),
      high: round(model.ridge.scaling[c].high),
      mean: round(model.ridge.scaling[c].mean),
      std: round(model.ridge.scaling[c].std),
    })),
    ridge: {
      expansion: model.ridge.expansion,
      lambda: model.ridge.lambda,
      weights: model.ridge.weights.map((w) => round(w)),
      intercept: round(model.ridge.intercept),
    },
    trees: {
      settings: BOOSTING,
      base: round(model.boosting.base),
      trees: model.boosting.trees.map(roundTree),
    },
    blend: BLEND,
    calibration,
  };
  fs.writeFileSync(options.out, `${serialiseModel(output)}\n`);
  process.stdout.write(
    `nested ${FOLDS}-fold CV on ${rows.length} images: SROCC ${cv.sroccMean} ± ${cv.sroccStd}, ` +
      `PLCC ${cv.plccMean} ± ${cv.plccStd} (pooled ${cv.sroccPooled} / ${cv.plccPooled}); ` +
      `class exact ${cv.classExact}, within one ${cv.classWithinOne}\n` +
      `components (pooled SROCC/PLCC): ridge ${cv.components.ridge.sroccPooled}/${cv.components.ridge.plccPooled}, ` +
      `trees ${cv.components.trees.sroccPooled}/${cv.components.trees.plccPooled}\n` +
      `final: ridge ${setting.expansion} λ=${setting.lambda} + ${BOOSTING.trees} trees, ${columns.length} features → ` +
      `${path.relative(process.cwd(), options.out)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 1;
});
