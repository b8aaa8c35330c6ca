/**
 * The deep mode's learner, shared by scripts/fit-deep-head.js and scripts/eval.js: RBF kernel
 * ridge on the CNN's pooled features, standardised per feature, each (view, layer) block
 * scaled to equal weight, stored quantised to 8 bits as head.json ships them.
 *
 * fitHead(rows, targets, seed) chooses the kernel width and the ridge penalty by an inner
 * k-fold CV on the rows it is given (nothing else), so refitting it per outer fold is nested
 * cross-validation.
 */
'use strict';

const path = require('node:path');
const { requireTypeScript } = require('./require-ts');
const { seededRandom, pearson, spearman, kendall, meanOf, stdOf } = require('./quality-fit');

const VIEWS = ['whole', 'centre'];
const GAMMAS = [0.25, 0.5]; // × 1 / median squared distance between training vectors
const LAMBDAS = [0.003, 0.01, 0.03, 0.1];
const GRID = { gammas: GAMMAS, lambdas: LAMBDAS };
const QUANT_STEP = 1 / 16;
const QUANT_LIMIT = 127;
/** Channels of MobileNetV2's expand layers; each layer gives its channel means then deviations. */
const CHANNELS = {
  Conv1_relu: 32,
  block_2_expand_relu: 144,
  block_3_expand_relu: 144,
  block_6_expand_relu: 192,
  block_10_expand_relu: 384,
  block_13_expand_relu: 576,
  block_16_expand_relu: 960,
};

function loadDeepCode() {
  return requireTypeScript(
    [
      "export { decodeWorkingImage } from './server/src/prepare/decode';",
      "export { extractDeepFeatures } from './server/src/scorers/deep/features';",
      "export { loadDeepNetwork, TAPPED_LAYERS, BACKBONE } from './server/src/scorers/deep/model';",
      "export { parseHead, readHeadFile, QUANT_LIMIT } from './server/src/scorers/deep/head';",
    ],
    'deep-head',
  );
}

/** The features the plugin computes for one image file (decode at 512 px, VIEWS). */
async function featuresOf(code, network, file) {
  const working = await code.decodeWorkingImage(file, 512);
  return Float32Array.from((await code.extractDeepFeatures(network, working, VIEWS)).vector);
}

function blocksFor(layers, dim) {
  const lengths = layers.map((layer) => 2 * (CHANNELS[layer] ?? NaN));
  if (lengths.some((l) => !l) || lengths.reduce((s, l) => s + l, 0) * VIEWS.length !== dim) {
    throw new Error(`unexpected feature layout: ${dim} features for ${VIEWS.length} views of layers ${layers}`);
  }
  return VIEWS.flatMap(() => lengths.map((length) => ({ length, weight: 1 / Math.sqrt(length) })));
}

// ---------- statistics ----------

function shuffled(n, random) {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const foldsOf = (indices, k) => Array.from({ length: k }, (_, f) => indices.filter((_, i) => i % k === f));

// ---------- the learner ----------

function standardiser(rows) {
  const dim = rows[0].length;
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (const row of rows) for (let f = 0; f < dim; f++) mean[f] += row[f];
  for (let f = 0; f < dim; f++) mean[f] /= rows.length;
  for (const row of rows) for (let f = 0; f < dim; f++) std[f] += (row[f] - mean[f]) ** 2;
  // Rounded as head.json stores them, so the fit and the shipped head agree exactly.
  for (let f = 0; f < dim; f++) {
    mean[f] = Number(mean[f].toPrecision(7));
    std[f] = Number((Math.sqrt(std[f] / rows.length) + 1e-6).toPrecision(7));
  }
  return { mean, std };
}

/** Standardised, clipped and block-weighted: what head.ts's weightedStandardised computes. */
function transform(model, row) {
  const out = new Float64Array(row.length);
  const limit = QUANT_LIMIT * QUANT_STEP;
  let f = 0;
  for (const block of model.blocks)
    for (let k = 0; k < block.length; k++, f++) {
      const z = Math.max(-limit, Math.min(limit, (row[f] - model.mean[f]) / model.std[f]));
      out[f] = z * block.weight;
    }
  return out;
}

/** Training vectors as stored: standardised values rounded to QUANT_STEP (int8), then weighted. */
function quantised(model, row) {
  const q = new Int8Array(row.length);
  const out = new Float64Array(row.length);
  let f = 0;
  for (const block of model.blocks)
    for (let k = 0; k < block.length; k++, f++) {
      const z = (row[f] - model.mean[f]) / model.std[f];
      q[f] = Math.max(-QUANT_LIMIT, Math.min(QUANT_LIMIT, Math.round(z / QUANT_STEP)));
      out[f] = q[f] * QUANT_STEP * block.weight;
    }
  return { q, vector: out };
}

const dot = (a, b) => {
  let sum = 0;
  for (let f = 0; f < a.length; f++) sum += a[f] * b[f];
  return sum;
};

function squaredDistances(vectors) {
  const n = vectors.length;
  const norms = vectors.map((v) => dot(v, v));
  const d2 = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      d2[i][j] = d2[j][i] = Math.max(0, norms[i] + norms[j] - 2 * dot(vectors[i], vectors[j]));
  return d2;
}

function medianOffDiagonal(d2, indices) {
  const values = [];
  for (let a = 0; a < indices.length; a++)
    for (let b = a + 1; b < indices.length; b++) values.push(d2[indices[a]][indices[b]]);
  values.sort((x, y) => x - y);
  return values[Math.floor(values.length / 2)];
}

/** Solves (K + λI) α = y by Cholesky. */
function solveRidge(K, y, lambda) {
  const n = y.length;
  const L = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let sum = K[i][j] + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(sum) : sum / L[j][j];
    }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = y[i];
    for (let k = 0; k < i; k++) sum -= L[i][k] * z[k];
    z[i] = sum / L[i][i];
  }
  const alpha = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < n; k++) sum -= L[k][i] * alpha[k];
    alpha[i] = sum / L[i][i];
  }
  return alpha;
}

/** Kernel ridge on the images `train` (indices into d2/targets); predictions for `test`. */
function kernelRidge(d2, targets, train, test, gamma, lambda) {
  const intercept = meanOf(train.map((i) => targets[i]));
  const K = train.map((i) => Float64Array.from(train, (j) => Math.exp(-gamma * d2[i][j])));
  const alpha = solveRidge(
    K,
    train.map((i) => targets[i] - intercept),
    lambda,
  );
  const predictions = test.map((i) =>
    train.reduce((sum, j, k) => sum + alpha[k] * Math.exp(-gamma * d2[i][j]), intercept),
  );
  return { alpha, intercept, predictions };
}

/** Kernel width and penalty with the best SROCC in a k-fold CV over `indices` only. */
function chooseSettings(d2, targets, indices, seed, k, grid) {
  const median = medianOffDiagonal(d2, indices);
  const inner = foldsOf(
    shuffled(indices.length, seededRandom(seed)).map((i) => indices[i]),
    k,
  );
  let best = null;
  for (const g of grid.gammas)
    for (const lambda of grid.lambdas) {
      const predicted = new Map();
      inner.forEach((test, f) => {
        const train = inner.filter((_, o) => o !== f).flat();
        kernelRidge(d2, targets, train, test, g / median, lambda).predictions.forEach((p, t) =>
          predicted.set(test[t], p),
        );
      });
      const srocc = spearman(
        indices.map((i) => predicted.get(i)),
        indices.map((i) => targets[i]),
      );
      if (!best || srocc > best.srocc) best = { g, lambda, gamma: g / median, srocc };
    }
  return best;
}

/**
 * Fits the head on `rows` (feature vectors) and `targets` (MOS); `layers` names the tapped
 * layers the rows were computed with. `innerFolds` folds choose the settings.
 */
function fitHead(rows, targets, seed, { layers = Object.keys(CHANNELS), innerFolds = 4, grid = GRID } = {}) {
  const model = { ...standardiser(rows), blocks: blocksFor(layers, rows[0].length) };
  const stored = rows.map((row) => quantised(model, row));
  const d2 = squaredDistances(stored.map((s) => s.vector));
  const all = rows.map((_, i) => i);
  const settings = chooseSettings(d2, targets, all, seed, innerFolds, grid);
  const { alpha, intercept, predictions } = kernelRidge(d2, targets, all, all, settings.gamma, settings.lambda);
  return {
    ...model,
    layers,
    settings,
    gamma: settings.gamma,
    alpha: Array.from(alpha),
    intercept,
    vectors: stored.map((s) => s.vector),
    norms: stored.map((s) => dot(s.vector, s.vector)),
    quantisedRows: stored.map((s) => s.q),
    fittedPredictions: predictions,
  };
}

function predictHead(model, row) {
  const z = transform(model, row);
  const norm = dot(z, z);
  let sum = model.intercept;
  model.vectors.forEach((v, i) => {
    sum += model.alpha[i] * Math.exp(-model.gamma * Math.max(0, norm + model.norms[i] - 2 * dot(z, v)));
  });
  return sum;
}

/** Repeated k-fold CV of the whole learner (settings chosen inside each training fold). */
function nestedCrossValidation(
  rows,
  targets,
  { seed, repeats = 3, folds = 5, layers, grid = GRID, onRepeat = () => {} },
) {
  const foldSroccs = [];
  const pooled = [];
  const chosen = new Set();
  for (let r = 0; r < repeats; r++) {
    const outer = foldsOf(shuffled(rows.length, seededRandom(seed + r)), folds);
    const predictions = new Float64Array(rows.length);
    outer.forEach((test, f) => {
      const train = outer.filter((_, o) => o !== f).flat();
      const model = fitHead(
        train.map((i) => rows[i]),
        train.map((i) => targets[i]),
        seed + 1000 * (r + 1) + f,
        { layers, grid },
      );
      chosen.add(`γ=${model.settings.g}/median λ=${model.settings.lambda}`);
      test.forEach((i) => (predictions[i] = predictHead(model, rows[i])));
      foldSroccs.push(
        spearman(
          test.map((i) => predictions[i]),
          test.map((i) => targets[i]),
        ),
      );
    });
    const all = Array.from(predictions);
    pooled.push({ srocc: spearman(all, targets), plcc: pearson(all, targets), krocc: kendall(all, targets) });
    onRepeat(r, pooled[r]);
  }
  return {
    protocol:
      `nested CV: ${repeats} × ${folds} outer folds (seed ${seed}); γ ∈ {${GAMMAS.join(', ')}} / median d², ` +
      `λ ∈ {${LAMBDAS.join(', ')}} chosen by an inner 4-fold CV on each outer training fold`,
    foldSrocc: { mean: meanOf(foldSroccs), sd: stdOf(foldSroccs) },
    pooled: {
      srocc: meanOf(pooled.map((p) => p.srocc)),
      plcc: meanOf(pooled.map((p) => p.plcc)),
      krocc: meanOf(pooled.map((p) => p.krocc)),
    },
    chosen: [...chosen],
  };
}

/** head.json for a model fitted on all images. */
function headJson(model, { version, backbone, crossValidation, fingerprints }) {
  const count = model.quantisedRows.length;
  const dim = model.mean.length;
  const flat = new Int8Array(count * dim);
  model.quantisedRows.forEach((q, i) => flat.set(q, i * dim));
  return {
    version,
    backbone,
    layout: { views: VIEWS, layers: model.layers },
    featureCount: dim,
    mean: Array.from(model.mean),
    std: Array.from(model.std),
    blocks: model.blocks,
    quantStep: QUANT_STEP,
    count,
    gamma: model.gamma,
    alpha: model.alpha,
    intercept: model.intercept,
    crossValidation,
    trainingSet: { fingerprints },
    vectors: Buffer.from(flat.buffer).toString('base64'),
  };
}

module.exports = {
  VIEWS,
  QUANT_LIMIT,
  loadDeepCode,
  featuresOf,
  fitHead,
  predictHead,
  nestedCrossValidation,
  headJson,
  spearman,
  pearson,
  kendall,
  repoPath: (relative) => path.join(__dirname, '..', relative),
};
