/**
 * The learned head of the deep mode: RBF kernel ridge regression from the CNN's pooled
 * features to the CLIVE opinion score (0–100), fitted by scripts/fit-deep-head.js into
 * head.json. A kernel head has to keep its training vectors (581 images); they are stored
 * standardised and quantised to 8 bits (1/16 of a standard deviation), which changes no
 * prediction by more than a few hundredths of a point.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

import { VIEW_NAMES, type FeatureLayout } from './features';

const headSchema = z.object({
  version: z.string().min(1),
  backbone: z.string().min(1),
  layout: z.object({ views: z.array(z.enum(VIEW_NAMES)).min(1), layers: z.array(z.string()).min(1) }),
  featureCount: z.number().int().positive(),
  /** Per feature: training mean and standard deviation. */
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
  /** Consecutive feature blocks (one per view and layer) and the weight each is scaled by, so every layer counts alike. */
  blocks: z.array(z.object({ length: z.number().int().positive(), weight: z.number().positive() })).min(1),
  quantStep: z.number().positive(),
  /** Training vectors: count × featureCount standardised values / quantStep, int8, base64. */
  vectors: z.string().min(1),
  count: z.number().int().positive(),
  /** exp(−gamma · squared distance) */
  gamma: z.number().positive(),
  alpha: z.array(z.number()),
  intercept: z.number(),
  /** Cross-validated figures printed when fitting, kept for the record. */
  crossValidation: z.record(z.string(), z.unknown()).optional(),
});

export type DeepHeadData = z.infer<typeof headSchema>;

export interface DeepHead {
  version: string;
  backbone: string;
  layout: FeatureLayout;
  /** Predicted opinion score (CLIVE MOS scale, unclipped) for one feature vector. */
  predict(features: ArrayLike<number>): number;
}

export const QUANT_LIMIT = 127;

/** Standardised and block-weighted, as the training vectors were (the fitting script uses this too). */
export function weightedStandardised(head: DeepHeadData, features: ArrayLike<number>): Float64Array {
  const out = new Float64Array(head.featureCount);
  let j = 0;
  for (const block of head.blocks) {
    for (let k = 0; k < block.length; k++, j++) {
      const clipped = Math.max(
        -QUANT_LIMIT * head.quantStep,
        Math.min(QUANT_LIMIT * head.quantStep, (features[j] - head.mean[j]) / head.std[j]),
      );
      out[j] = clipped * block.weight;
    }
  }
  return out;
}

/** Σ αᵢ exp(−γ‖z − tᵢ‖²) over the training vectors tᵢ = qᵢ ⊙ unit: the hot loop of a prediction (5.7 M multiply-adds). */
function kernelSum(
  query: Float64Array,
  training: Int8Array,
  unit: Float64Array,
  norms: Float64Array,
  alpha: Float64Array,
  gamma: number,
): number {
  const dim = query.length;
  let zNorm = 0;
  const z = new Float64Array(dim);
  for (let f = 0; f < dim; f++) {
    zNorm += query[f] * query[f];
    z[f] = query[f] * unit[f];
  }
  let sum = 0;
  for (let i = 0; i < alpha.length; i++) {
    const offset = i * dim;
    let dot = 0;
    for (let f = 0; f < dim; f++) dot += z[f] * training[offset + f];
    sum += alpha[i] * Math.exp(-gamma * Math.max(0, zNorm + norms[i] - 2 * dot));
  }
  return sum;
}

export function parseHead(raw: unknown, expected: { backbone: string; layers: readonly string[] }): DeepHead {
  const head = headSchema.parse(raw);
  const problems: string[] = [];
  if (head.backbone !== expected.backbone)
    problems.push(`fitted on ${head.backbone}, this build runs ${expected.backbone}`);
  if (head.layout.layers.join(',') !== expected.layers.join(','))
    problems.push(`fitted on layers ${head.layout.layers.join(',')}, this build taps ${expected.layers.join(',')}`);
  const blockTotal = head.blocks.reduce((sum, block) => sum + block.length, 0);
  if (
    head.mean.length !== head.featureCount ||
    head.std.length !== head.featureCount ||
    blockTotal !== head.featureCount
  )
    problems.push(
      `${head.featureCount} features but ${head.mean.length} means, ${head.std.length} deviations, ${blockTotal} in blocks`,
    );
  if (head.alpha.length !== head.count)
    problems.push(`${head.count} training vectors but ${head.alpha.length} coefficients`);
  const quantised = Buffer.from(head.vectors, 'base64');
  if (quantised.length !== head.count * head.featureCount)
    problems.push(`${quantised.length} stored values, expected ${head.count * head.featureCount}`);
  if (problems.length > 0) {
    throw new Error(
      `deep head ${head.version} does not match this build: ${problems.join('; ')}; refit it with scripts/fit-deep-head.js`,
    );
  }

  // The training vectors stay 8-bit (5.6 MB, cache-friendly); a query is scaled once instead:
  // z · (q ⊙ unit) = (z ⊙ unit) · q, with unit = quantStep × the block weight.
  const training = new Int8Array(quantised.buffer, quantised.byteOffset, quantised.length);
  const unit = new Float64Array(head.featureCount);
  let j = 0;
  for (const block of head.blocks) for (let k = 0; k < block.length; k++) unit[j++] = head.quantStep * block.weight;
  const norms = new Float64Array(head.count);
  for (let i = 0; i < head.count; i++) {
    let norm = 0;
    for (let f = 0; f < head.featureCount; f++) norm += (training[i * head.featureCount + f] * unit[f]) ** 2;
    norms[i] = norm;
  }

  const alpha = Float64Array.from(head.alpha);
  return {
    version: head.version,
    backbone: head.backbone,
    layout: head.layout,
    predict(features) {
      if (features.length !== head.featureCount) {
        throw new RangeError(`deep head ${head.version}: ${features.length} features, expected ${head.featureCount}`);
      }
      return head.intercept + kernelSum(weightedStandardised(head, features), training, unit, norms, alpha, head.gamma);
    },
  };
}

/**
 * head.json is read from the package at run time rather than bundled: it is several MB and
 * only deep mode needs it. The package root is found by walking up from this module, which
 * works from the sources, from dist/ and from the CLI bundle alike.
 */
export const HEAD_FILE = 'server/src/scorers/deep/head.json';

export function packageRoot(from: string): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'strapi-plugin-photo-score') {
      return directory;
    }
    if (path.dirname(directory) === directory)
      throw new Error(`photo-score: cannot find the plugin's package above ${from}`);
  }
}

export function readHeadFile(file = path.join(packageRoot(__dirname), HEAD_FILE)): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}
