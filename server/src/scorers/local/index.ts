/**
 * The embedded ("local") scorer: hand-crafted features of the working image fed to a small
 * regressor fitted on human opinion scores (CLIVE; see model.json and
 * scripts/fit-local-model.js). No network, no native code beyond the sharp decode, a few
 * milliseconds per image.
 */
import { z } from 'zod';

import type { WorkingImage } from '../../prepare/decode';
import { extractFeatures, type Dimensions } from './features';
import modelJson from './model.json';

export type { Dimensions, DimensionName } from './features';
export { DIMENSION_NAMES } from './features';

export interface LocalScore {
  /** 0–100, one decimal; bands of 20 map to classes 1–5 (see scoreToClass). */
  score: number;
  /** Human-facing readings, 0–100 integers, higher = better. */
  dimensions: Dimensions;
  /** Model version, so stored scores can be traced to the model that produced them. */
  version: string;
}

/** A tree is a leaf value or [featureIndex, threshold, whenBelowOrEqual, whenAbove]. */
type TreeNode = number | [number, number, TreeNode, TreeNode];

const treeNodeSchema: z.ZodType<TreeNode> = z.lazy(() =>
  z.union([z.number(), z.tuple([z.number().int().nonnegative(), z.number(), treeNodeSchema, treeNodeSchema])]),
);

const modelSchema = z.object({
  version: z.string().min(1),
  features: z
    .array(
      z.object({ name: z.string(), low: z.number(), high: z.number(), mean: z.number(), std: z.number().positive() }),
    )
    .min(1),
  ridge: z.object({
    expansion: z.enum(['linear', 'squares']),
    weights: z.array(z.number()),
    intercept: z.number(),
  }),
  trees: z.object({ base: z.number(), trees: z.array(treeNodeSchema) }),
  blend: z.object({ ridge: z.number(), trees: z.number() }),
  calibration: z.object({ scale: z.number().positive(), offset: z.number() }),
});

type LocalModel = z.infer<typeof modelSchema>;

/** Validated once at load: a malformed model.json must fail loudly, not score silently wrong. */
function loadModel(): LocalModel {
  const model = modelSchema.parse(modelJson);
  const expectedWeights = model.features.length * (model.ridge.expansion === 'squares' ? 2 : 1);
  if (model.ridge.weights.length !== expectedWeights) {
    throw new Error(
      `local scorer model ${model.version}: ${model.ridge.weights.length} ridge weights for ${expectedWeights} terms`,
    );
  }
  return model;
}

const MODEL = loadModel();

/** Same clipping and standardisation as the fitting script (its `standardise`). */
function standardisedFeatures(raw: Record<string, number>, model: LocalModel): Float64Array {
  const values = new Float64Array(model.features.length);
  model.features.forEach((feature, index) => {
    const value = raw[feature.name];
    if (value === undefined || !Number.isFinite(value)) {
      throw new Error(`local scorer model ${model.version}: feature ${feature.name} is missing or not finite`);
    }
    const clipped = Math.min(feature.high, Math.max(feature.low, value));
    values[index] = (clipped - feature.mean) / feature.std;
  });
  return values;
}

function ridgePrediction(z: Float64Array, model: LocalModel): number {
  const { weights, intercept, expansion } = model.ridge;
  let sum = intercept;
  for (let j = 0; j < z.length; j++) sum += weights[j] * z[j];
  if (expansion === 'squares') {
    // Centred squares, (z² − 1)/√2, as in the fitting script's `expand`.
    for (let j = 0; j < z.length; j++) sum += weights[z.length + j] * ((z[j] * z[j] - 1) / Math.SQRT2);
  }
  return sum;
}

function treePrediction(z: Float64Array, model: LocalModel): number {
  let sum = model.trees.base;
  for (const tree of model.trees.trees) {
    let node: TreeNode = tree;
    while (typeof node !== 'number') node = z[node[0]] <= node[1] ? node[2] : node[3];
    sum += node;
  }
  return sum;
}

/**
 * The model only saw 500×500 images, so it cannot judge size. Images smaller than that lose
 * up to 20 points (linear in log-megapixels down to 128×128), because a thumbnail is not an
 * excellent photo for a media library however clean its pixels are; larger ones lose nothing.
 */
const TRAINING_MEGAPIXELS = 0.25;
const TINY_MEGAPIXELS = (128 * 128) / 1e6;
const MAX_SMALL_IMAGE_PENALTY = 20;

function smallImagePenalty(originalWidth: number, originalHeight: number): number {
  const megapixels = (originalWidth * originalHeight) / 1e6;
  if (megapixels >= TRAINING_MEGAPIXELS) return 0;
  const shortfall =
    (Math.log2(TRAINING_MEGAPIXELS) - Math.log2(Math.max(megapixels, 1e-9))) /
    (Math.log2(TRAINING_MEGAPIXELS) - Math.log2(TINY_MEGAPIXELS));
  return MAX_SMALL_IMAGE_PENALTY * Math.min(1, shortfall);
}

/** Predicted opinion score on the CLIVE MOS scale (0–100), before the size penalty. */
export function predictOpinionScore(raw: Record<string, number>): number {
  const z = standardisedFeatures(raw, MODEL);
  const blended = MODEL.blend.ridge * ridgePrediction(z, MODEL) + MODEL.blend.trees * treePrediction(z, MODEL);
  return MODEL.calibration.offset + MODEL.calibration.scale * blended;
}

/** Scores a decoded working image. Pure and deterministic. */
export function scoreLocal(image: WorkingImage): LocalScore {
  const { raw, dimensions } = extractFeatures(image);
  const predicted = predictOpinionScore(raw) - smallImagePenalty(image.originalWidth, image.originalHeight);
  const score = Math.round(Math.min(100, Math.max(0, predicted)) * 10) / 10;
  return { score, dimensions, version: MODEL.version };
}

export const LOCAL_MODEL_VERSION = MODEL.version;

/**
 * Scores a small synthetic image a few times so V8 has optimised the pixel loops before the
 * first real upload (the very first call otherwise runs them unoptimised: ~10× slower).
 */
export function warmUpLocalScorer(): void {
  const width = 128;
  const height = 96;
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const image: WorkingImage = { data, width, height, originalWidth: width, originalHeight: height, format: 'raw' };
  for (let round = 0; round < 30; round++) scoreLocal(image);
}
