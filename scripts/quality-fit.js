/**
 * What fitting and evaluating the embedded scorer share: reading a MOS table, extracting the
 * plugin's own features, seeded folds, the agreement metrics of the IQA literature, and the
 * learners (RBF kernel ridge, gradient-boosted trees) and their blend.
 *
 * Used by scripts/fit-local-model.js (writes model.json) and scripts/eval.js (reports
 * figures); one copy, so the figures describe the learners that produced the shipped model.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { requireTypeScript } = require('./require-ts');

// ---------------------------------------------------------------------------------------------
// Data

/** A problem with what the caller gave (paths, table): reported as a message, not a stack. */
class InputError extends Error {}

const IMAGE_COLUMNS = ['image', 'filename', 'file', 'name'];
const MOS_COLUMNS = ['mos', 'score'];

function splitCsvLine(line) {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * Rows of a MOS table: a header naming the image column (image/filename/file/name) and the
 * opinion column (mos/score), any case. Throws a message a person can act on.
 */
function readMos(csvPath) {
  if (!fs.existsSync(csvPath)) throw new InputError(`MOS table not found: ${csvPath}`);
  const [header, ...lines] = fs
    .readFileSync(csvPath, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  if (!header) throw new InputError(`${csvPath} is empty`);
  const columns = splitCsvLine(header).map((name) => name.toLowerCase());
  const imageColumn = columns.findIndex((name) => IMAGE_COLUMNS.includes(name));
  const mosColumn = columns.findIndex((name) => MOS_COLUMNS.includes(name));
  if (imageColumn < 0 || mosColumn < 0) {
    const missing = [
      imageColumn < 0 ? `an image column (${IMAGE_COLUMNS.join('/')})` : null,
      mosColumn < 0 ? `an opinion-score column (${MOS_COLUMNS.join('/')})` : null,
    ].filter(Boolean);
    throw new InputError(`${csvPath}: the header "${header}" lacks ${missing.join(' and ')}`);
  }
  return lines.map((line, index) => {
    const cells = splitCsvLine(line);
    const mos = Number(cells[mosColumn]);
    if (!cells[imageColumn] || !Number.isFinite(mos)) {
      throw new InputError(`${csvPath}, line ${index + 2}: expected an image name and a numeric MOS, got "${line}"`);
    }
    return { image: cells[imageColumn], mos };
  });
}

/** Bundles the plugin's decode and feature code with esbuild (the code the plugin serves). */
function loadFeatureCode() {
  return requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { extractFeatures } from './server/src/scorers/local/features';",
    ],
    'quality-fit-features',
  );
}

/** The same, plus the shipped scorer (which loads model.json, so only once one is fitted). */
function loadScorerCode() {
  return requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { extractFeatures } from './server/src/scorers/local/features';",
      "export { scoreLocal, warmUpLocalScorer, finalScore, withSizeRules, LOCAL_MODEL_VERSION } from './server/src/scorers/local';",
      "export { defectPenalty, fittedDefects } from './server/src/scorers/local/defects';",
    ],
    'quality-fit-scorer',
  );
}

/**
 * Short fingerprint of an image's bytes: model.json lists those it was fitted on, so the
 * evaluation can tell a set the model has seen (whatever the file names) from a new one.
 */
function imageFingerprint(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

/** Raw feature rows in a fixed column order, with per-image decode+feature times (ms). */
async function extractFeatureRows(files, code, onProgress = () => {}) {
  const rows = [];
  const milliseconds = [];
  let columns;
  for (const [index, file] of files.entries()) {
    const started = performance.now();
    const { raw } = code.extractFeatures(await code.decodeWorkingImage(file));
    milliseconds.push(performance.now() - started);
    if (!columns) columns = Object.keys(raw);
    rows.push(columns.map((name) => raw[name]));
    onProgress(index + 1, files.length);
  }
  return { rows, columns, milliseconds };
}

// ---------------------------------------------------------------------------------------------
// Folds and descriptive statistics

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

/** fold[i] ∈ 0…folds−1, balanced, shuffled by the seed. */
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

/** Out-of-fold predictions: `fit(trainIndices, foldNumber)` returns `predict(index)`. */
function outOfFold(count, folds, fit) {
  const predictions = new Array(count);
  const k = Math.max(...folds) + 1;
  for (let f = 0; f < k; f++) {
    const train = [];
    const test = [];
    folds.forEach((fold, i) => (fold === f ? test : train).push(i));
    const predict = fit(train, f);
    for (const i of test) predictions[i] = predict(i);
  }
  return predictions;
}

/**
 * Nested k-fold cross-validation: `fit(trainRows, trainTargets, seed)` (by default the shipped
 * learner, which chooses its own settings inside the rows it is given) is refitted per fold
 * and `predict(model, row)` scores the held-out fold. fit-local-model.js and eval.js both call
 * this with the same seed, so they print the same figures for the same images.
 */
function crossValidate(
  rows,
  targets,
  { folds: k = 5, seed, fit = fitBlend, predict = predictBlend, onFold = () => {} },
) {
  const folds = foldAssignment(rows.length, k, seed);
  const predictions = outOfFold(rows.length, folds, (train, fold) => {
    const model = fit(
      train.map((i) => rows[i]),
      train.map((i) => targets[i]),
      seed + 100 * (fold + 1),
    );
    onFold(fold, model);
    return (i) => predict(model, rows[i]);
  });
  const perFold = Array.from({ length: k }, (_, f) => {
    const test = folds.flatMap((fold, i) => (fold === f ? [i] : []));
    return spearman(
      test.map((i) => predictions[i]),
      test.map((i) => targets[i]),
    );
  });
  return { folds, predictions, foldSrocc: { mean: meanOf(perFold), std: stdOf(perFold) } };
}

function meanOf(values) {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function stdOf(values) {
  const mean = meanOf(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

function percentileOf(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

// ---------------------------------------------------------------------------------------------
// Agreement metrics

function pearson(a, b) {
  const n = a.length;
  const meanA = meanOf(a);
  const meanB = meanOf(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Ranks from 0, ties share their average rank. */
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

/** Kendall's τ-b (tie-corrected); O(n²), fine for a few thousand images. */
function kendall(a, b) {
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator > 0 ? (concordant - discordant) / denominator : 0;
}

/** VQEG's monotone 4-parameter logistic, f(x) = (b1 − b2) / (1 + e^(−(x − b3)/|b4|)) + b2. */
function logistic4(b, x) {
  return (b[0] - b[1]) / (1 + Math.exp(-(x - b[2]) / Math.abs(b[3]))) + b[1];
}

/** Solves a small dense linear system by Gaussian elimination with partial pivoting. */
function solveDense(A, y) {
  const n = y.length;
  const M = A.map((row, i) => [...row, y[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[pivot][c])) pivot = r;
    [M[c], M[pivot]] = [M[pivot], M[c]];
    if (Math.abs(M[c][c]) < 1e-300) return null;
    for (let r = c + 1; r < n; r++) {
      const factor = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= factor * M[c][k];
    }
  }
  const x = new Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = M[r][n];
    for (let k = r + 1; k < n; k++) sum -= M[r][k] * x[k];
    x[r] = sum / M[r][r];
  }
  return x;
}

/** Least-squares fit of logistic4 by Levenberg–Marquardt; returns the parameters. */
function fitLogistic4(x, y) {
  const sse = (b) => x.reduce((s, xi, i) => s + (y[i] - logistic4(b, xi)) ** 2, 0);
  let b = [Math.max(...y), Math.min(...y), meanOf(x), stdOf(x) / 2 || 1];
  let error = sse(b);
  let damping = 1e-3;
  for (let iteration = 0; iteration < 200; iteration++) {
    const JtJ = Array.from({ length: 4 }, () => new Array(4).fill(0));
    const Jtr = new Array(4).fill(0);
    const scale = Math.abs(b[3]);
    for (let i = 0; i < x.length; i++) {
      const e = Math.exp(-(x[i] - b[2]) / scale);
      const s = 1 / (1 + e);
      const ds = s * s * e; // d s / d((x − b3)/|b4|)
      const gradient = [
        s,
        1 - s,
        (-(b[0] - b[1]) * ds) / scale,
        (-(b[0] - b[1]) * ds * (x[i] - b[2])) / (scale * b[3]),
      ];
      const residual = y[i] - logistic4(b, x[i]);
      for (let j = 0; j < 4; j++) {
        Jtr[j] += gradient[j] * residual;
        for (let k = 0; k < 4; k++) JtJ[j][k] += gradient[j] * gradient[k];
      }
    }
    let improved = false;
    while (damping < 1e12) {
      const step = solveDense(
        JtJ.map((row, j) => row.map((v, k) => (j === k ? v * (1 + damping) + 1e-12 : v))),
        Jtr,
      );
      const candidate = step ? b.map((v, j) => v + step[j]) : b;
      const candidateError = step && Number.isFinite(sse(candidate)) ? sse(candidate) : Infinity;
      if (candidateError < error) {
        improved = error - candidateError > 1e-10 * error;
        b = candidate;
        error = candidateError;
        damping = Math.max(1e-9, damping / 10);
        break;
      }
      damping *= 10;
    }
    if (!improved) break;
  }
  return b;
}

/** Pearson after mapping predictions through the fitted logistic, as IQA papers report it. */
function pearsonAfterLogistic(predictions, targets) {
  const b = fitLogistic4(predictions, targets);
  return pearson(
    predictions.map((p) => logistic4(b, p)),
    targets,
  );
}

/** The figures the evaluation prints for one set of predictions. */
function agreement(predictions, targets) {
  return {
    srocc: spearman(predictions, targets),
    krocc: kendall(predictions, targets),
    plcc: pearson(predictions, targets),
    plccLogistic: pearsonAfterLogistic(predictions, targets),
  };
}

// ---------------------------------------------------------------------------------------------
// Standardisation (mirrored by the serving code in server/src/scorers/local/index.ts)

/** Robust scaling: mean/std after clipping raw values to their 1st–99th percentile. */
function standardiser(rows) {
  return rows[0].map((_, c) => {
    const values = rows.map((row) => row[c]);
    const low = percentileOf(values, 0.01);
    const high = percentileOf(values, 0.99);
    const clipped = values.map((v) => Math.min(high, Math.max(low, v)));
    return { low, high, mean: meanOf(clipped), std: stdOf(clipped) || 1 };
  });
}

function standardise(row, scaling) {
  return row.map((v, c) => {
    const s = scaling[c];
    return (Math.min(s.high, Math.max(s.low, v)) - s.mean) / s.std;
  });
}

// ---------------------------------------------------------------------------------------------
// RBF kernel ridge regression: k(a, b) = exp(−γ‖a − b‖² / p) on standardised features.
// Stores its training vectors (a few hundred × the feature count), so prediction is exact.

/** Cholesky factor of a symmetric positive-definite matrix given as row arrays (in place). */
function cholesky(A) {
  const n = A.length;
  for (let j = 0; j < n; j++) {
    const Lj = A[j];
    let diagonal = Lj[j];
    for (let k = 0; k < j; k++) diagonal -= Lj[k] * Lj[k];
    if (diagonal <= 0) throw new Error('matrix not positive definite');
    Lj[j] = Math.sqrt(diagonal);
    for (let i = j + 1; i < n; i++) {
      const Li = A[i];
      let sum = Li[j];
      for (let k = 0; k < j; k++) sum -= Li[k] * Lj[k];
      Li[j] = sum / Lj[j];
    }
  }
  return A;
}

function choleskySolve(L, b) {
  const n = b.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    const Li = L[i];
    for (let k = 0; k < i; k++) sum -= Li[k] * y[k];
    y[i] = sum / Li[i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= L[k][i] * x[k];
    x[i] = sum / L[i][i];
  }
  return Array.from(x);
}

function squaredDistance(a, b) {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j] - b[j]) ** 2;
  return sum;
}

function fitKernelRidge(Z, targets, { gamma, lambda }) {
  const n = Z.length;
  const p = Z[0].length;
  const targetMean = meanOf(targets);
  const K = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    K[i][i] = 1 + lambda;
    for (let j = 0; j < i; j++) K[i][j] = K[j][i] = Math.exp((-gamma * squaredDistance(Z[i], Z[j])) / p);
  }
  const dual = choleskySolve(
    cholesky(K),
    targets.map((t) => t - targetMean),
  );
  return { gamma, lambda, support: Z, dual, intercept: targetMean };
}

function predictKernelRidge(model, z) {
  const p = z.length;
  let sum = model.intercept;
  for (let i = 0; i < model.support.length; i++) {
    sum += model.dual[i] * Math.exp((-model.gamma * squaredDistance(z, model.support[i])) / p);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Gradient-boosted regression trees (least squares). A tree is a leaf value or
// [featureIndex, threshold, whenBelowOrEqual, whenAbove]; leaf values include the learning
// rate, so a prediction is base + the sum of the trees' leaves.

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

function fitBoosting(X, targets, settings, seed) {
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

// ---------------------------------------------------------------------------------------------
// The shipped learner: RBF kernel ridge and boosted trees on one standardisation, blended.
// The kernel's γ and λ and the blend weight are chosen by inner k-fold CV on the rows it is
// given, so when it is fitted on a training fold, no choice sees that fold's test images.
// The tree settings and the candidate grids were fixed during development by looking at
// (repeated) CV on the development set; see the README.

const LEARNER = {
  innerFolds: 5,
  kernel: { gammas: [0.0625, 0.125, 0.25, 0.5], lambdas: [0.01, 0.03, 0.1, 0.3] },
  boosting: { trees: 250, learningRate: 0.04, depth: 3, minLeaf: 10, rowSample: 0.7, columnSample: 0.5 },
  kernelWeights: [1, 0.9, 0.8, 0.7, 0.6],
};

/** Inner-CV predictions of every kernel setting and of the trees, then the best setting and weight. */
function chooseSettings(Z, targets, learner, seed) {
  const settings = learner.kernel.gammas.flatMap((gamma) =>
    learner.kernel.lambdas.map((lambda) => ({ gamma, lambda })),
  );
  const kernelPredictions = settings.map(() => new Array(Z.length));
  const treePredictions = new Array(Z.length);
  outOfFold(Z.length, foldAssignment(Z.length, learner.innerFolds, seed), (train, fold) => {
    const trainZ = train.map((i) => Z[i]);
    const trainTargets = train.map((i) => targets[i]);
    const kernels = settings.map((setting) => fitKernelRidge(trainZ, trainTargets, setting));
    const trees = fitBoosting(trainZ, trainTargets, learner.boosting, seed + 10 + fold);
    return (i) => {
      kernels.forEach((model, s) => (kernelPredictions[s][i] = predictKernelRidge(model, Z[i])));
      treePredictions[i] = predictBoosting(trees, Z[i]);
      return 0;
    };
  });
  let best = 0;
  const sroccs = kernelPredictions.map((predictions) => spearman(predictions, targets));
  sroccs.forEach((srocc, s) => (srocc > sroccs[best] ? (best = s) : undefined));
  const mixed = (weight) => kernelPredictions[best].map((k, i) => weight * k + (1 - weight) * treePredictions[i]);
  const weightSroccs = learner.kernelWeights.map((weight) => spearman(mixed(weight), targets));
  const kernelWeight = learner.kernelWeights[weightSroccs.indexOf(Math.max(...weightSroccs))];
  return { kernel: settings[best], blend: { kernel: kernelWeight, trees: 1 - kernelWeight } };
}

/** Fits the blend on raw feature rows; hyper-parameters chosen inside `rows` only. */
function fitBlend(rows, targets, seed, learner = LEARNER) {
  const scaling = standardiser(rows);
  const Z = rows.map((row) => standardise(row, scaling));
  const chosen = chooseSettings(Z, targets, learner, seed);
  return {
    scaling,
    kernel: fitKernelRidge(Z, targets, chosen.kernel),
    boosting: fitBoosting(Z, targets, learner.boosting, seed + 3),
    blend: chosen.blend,
  };
}

function predictBlend(model, row) {
  const z = standardise(row, model.scaling);
  return (
    model.blend.kernel * predictKernelRidge(model.kernel, z) + model.blend.trees * predictBoosting(model.boosting, z)
  );
}

module.exports = {
  InputError,
  readMos,
  loadFeatureCode,
  loadScorerCode,
  imageFingerprint,
  extractFeatureRows,
  seededRandom,
  foldAssignment,
  outOfFold,
  crossValidate,
  meanOf,
  stdOf,
  percentileOf,
  pearson,
  spearman,
  kendall,
  ranks,
  logistic4,
  fitLogistic4,
  pearsonAfterLogistic,
  agreement,
  standardiser,
  standardise,
  fitKernelRidge,
  predictKernelRidge,
  fitBoosting,
  predictBoosting,
  LEARNER,
  fitBlend,
  predictBlend,
};
