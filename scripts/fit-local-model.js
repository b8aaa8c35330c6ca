#!/usr/bin/env node
/**
 * Fits the embedded ("local") scorer's regressor on a MOS-labelled image set and writes
 * server/src/scorers/local/model.json.
 *
 *   node scripts/fit-local-model.js ../shared/datasets/clive-dev [--out path] [--seed 20261121]
 *
 * The dataset dir holds mos.csv (image,mos,…) and images/. Each image goes through the same
 * decodeWorkingImage + extractFeatures code the plugin runs (bundled on the fly with esbuild),
 * so training and serving features cannot drift apart.
 *
 * Model (scripts/quality-fit.js): RBF kernel ridge blended with gradient-boosted trees on
 * clipped, standardised features. The reported quality is nested 5-fold cross-validation —
 * the kernel settings and blend weight are chosen inside each outer training fold — with a
 * fixed seed, the same protocol `npm run eval` uses: never fit-on-train figures. The shipped
 * model is refitted on all images, its settings chosen by 5-fold CV on all of them.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { REPO_ROOT } = require('./require-ts');
const fit = require('./quality-fit');

const DEFAULT_OUT = path.join(REPO_ROOT, 'server/src/scorers/local/model.json');
const FOLDS = 5;
const DEFAULT_SEED = 20261121;

function parseArgs(argv) {
  const options = { dataset: undefined, out: DEFAULT_OUT, seed: DEFAULT_SEED };
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

/** Pooled figures of the out-of-fold predictions, and per-fold SROCC/PLCC mean ± std. */
function summarise({ predictions, folds, foldSrocc }, targets) {
  const foldPlcc = Array.from({ length: FOLDS }, (_, f) => {
    const test = folds.flatMap((fold, i) => (fold === f ? [i] : []));
    return fit.pearson(
      test.map((i) => predictions[i]),
      test.map((i) => targets[i]),
    );
  });
  const pooled = fit.agreement(predictions, targets);
  return {
    sroccMean: round(foldSrocc.mean, 4),
    sroccStd: round(foldSrocc.std, 4),
    plccMean: round(fit.meanOf(foldPlcc), 4),
    plccStd: round(fit.stdOf(foldPlcc), 4),
    sroccPooled: round(pooled.srocc, 4),
    kroccPooled: round(pooled.krocc, 4),
    plccPooled: round(pooled.plcc, 4),
    plccLogisticPooled: round(pooled.plccLogistic, 4),
  };
}

/** Drops columns that do not vary on the training set (e.g. resolution on a 500×500 set). */
function informativeColumns(rows, columns) {
  return columns.filter((_, c) => fit.stdOf(rows.map((row) => row[c])) > 1e-9);
}

function round(value, digits = 6) {
  return Number(value.toPrecision(digits));
}

function roundTree(tree) {
  return Array.isArray(tree) ? [tree[0], round(tree[1]), roundTree(tree[2]), roundTree(tree[3])] : round(tree);
}

/** Pretty JSON, but one line per tree, support vector and long list, so diffs stay readable. */
function serialiseModel(output) {
  const lines = (items) => `[\n      ${items.map((item) => JSON.stringify(item)).join(',\n      ')}\n    ]`;
  const compact = {
    ...output,
    trainingSet: { ...output.trainingSet, fingerprints: '@@fingerprints@@' },
    kernel: { ...output.kernel, dual: '@@dual@@', support: '@@support@@' },
    trees: { ...output.trees, trees: '@@trees@@' },
  };
  return JSON.stringify(compact, null, 2)
    .replace('"@@fingerprints@@"', JSON.stringify(output.trainingSet.fingerprints))
    .replace('"@@dual@@"', JSON.stringify(output.kernel.dual))
    .replace('"@@support@@"', lines(output.kernel.support))
    .replace('"@@trees@@"', lines(output.trees.trees));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help || !options.dataset) {
    process.stdout.write('usage: node scripts/fit-local-model.js <dataset-dir> [--out model.json] [--seed N]\n');
    process.exitCode = options.help ? 0 : 2;
    return;
  }
  const code = fit.loadFeatureCode();
  const entries = fit.readMos(path.join(options.dataset, 'mos.csv'));
  const files = entries.map((entry) => path.join(options.dataset, 'images', entry.image));
  const targets = entries.map((entry) => entry.mos);
  const started = Date.now();
  const extracted = await fit.extractFeatureRows(files, code, (done, total) => {
    if (done % 100 === 0 || done === total) process.stderr.write(`  features: ${done}/${total}\n`);
  });
  process.stderr.write(`  features in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const columns = informativeColumns(extracted.rows, extracted.columns);
  const rows = extracted.rows.map((row) => columns.map((name) => row[extracted.columns.indexOf(name)]));

  const nested = fit.crossValidate(rows, targets, {
    folds: FOLDS,
    seed: options.seed,
    onFold: (fold, model) =>
      process.stderr.write(
        `  fold ${fold + 1}/${FOLDS}: kernel γ=${model.kernel.gamma} λ=${model.kernel.lambda}, ` +
          `blend ${model.blend.kernel.toFixed(1)} kernel + ${model.blend.trees.toFixed(1)} trees\n`,
      ),
  });
  const cv = { folds: FOLDS, seed: options.seed, nested: true, ...summarise(nested, targets) };

  // The shipped model: all images, settings by 5-fold CV on all of them.
  const model = fit.fitBlend(rows, targets, options.seed);

  // Regression shrinks predictions toward the mean. Stretch them so their spread on unseen
  // images (the nested out-of-fold predictions) matches the spread of the MOS: the CLIVE
  // slider was labelled bad/poor/fair/good/excellent in 20-point bands, so on the MOS scale
  // the 0–100 classes mean what people said. Affine: ranks and PLCC are unchanged.
  const calibrationScale = fit.stdOf(targets) / fit.stdOf(nested.predictions);
  const calibration = {
    scale: round(calibrationScale),
    offset: round(fit.meanOf(targets) - calibrationScale * fit.meanOf(nested.predictions)),
  };
  // How often the 20-point class of an unseen image matches the class of its MOS.
  const classOf = (score) => Math.min(5, Math.max(1, Math.floor(Math.min(100, Math.max(0, score)) / 20) + 1));
  const classPairs = nested.predictions.map((p, i) => [
    classOf(calibration.offset + calibration.scale * p),
    classOf(targets[i]),
  ]);
  cv.classExact = round(classPairs.filter(([a, b]) => a === b).length / classPairs.length, 4);
  cv.classWithinOne = round(classPairs.filter(([a, b]) => Math.abs(a - b) <= 1).length / classPairs.length, 4);

  const fittedAt = new Date().toISOString();
  const output = {
    version: `local-${fittedAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}`,
    kind: 'kernel-ridge+boosted-trees',
    trainingSet: {
      name: path.basename(options.dataset),
      description: 'CLIVE (LIVE In the Wild Image Quality Challenge), fixed half of its 1162 images',
      images: rows.length,
      mosMean: round(fit.meanOf(targets), 4),
      mosStd: round(fit.stdOf(targets), 4),
      // sha256 of each image's bytes (first 16 hex digits), sorted: lets `npm run eval` tell
      // whether it is looking at images this model was fitted on.
      fingerprints: files.map(fit.imageFingerprint).sort(),
    },
    fittedAt,
    crossValidation: cv,
    features: columns.map((name, c) => ({
      name,
      low: round(model.scaling[c].low),
      high: round(model.scaling[c].high),
      mean: round(model.scaling[c].mean),
      std: round(model.scaling[c].std),
    })),
    kernel: {
      gamma: model.kernel.gamma,
      lambda: model.kernel.lambda,
      intercept: round(model.kernel.intercept),
      dual: model.kernel.dual.map((w) => round(w)),
      // Standardised training vectors; 3 decimals move predictions by far less than 0.1 point.
      support: model.kernel.support.map((z) => z.map((v) => Math.round(v * 1000) / 1000)),
    },
    trees: {
      settings: fit.LEARNER.boosting,
      base: round(model.boosting.base),
      trees: model.boosting.trees.map(roundTree),
    },
    blend: { kernel: round(model.blend.kernel, 3), trees: round(model.blend.trees, 3) },
    calibration,
  };
  fs.writeFileSync(options.out, `${serialiseModel(output)}\n`);
  process.stdout.write(
    `nested ${FOLDS}-fold CV on ${rows.length} images: SROCC ${cv.sroccMean} ± ${cv.sroccStd}, ` +
      `PLCC ${cv.plccMean} ± ${cv.plccStd} (pooled SROCC ${cv.sroccPooled}, KROCC ${cv.kroccPooled}, ` +
      `PLCC ${cv.plccPooled}, PLCC after logistic ${cv.plccLogisticPooled}); ` +
      `class exact ${cv.classExact}, within one ${cv.classWithinOne}\n` +
      `final: kernel γ=${model.kernel.gamma} λ=${model.kernel.lambda}, blend ${output.blend.kernel} kernel + ` +
      `${output.blend.trees} trees (${fit.LEARNER.boosting.trees}), ${columns.length} features → ` +
      `${path.relative(process.cwd(), options.out)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 1;
});
