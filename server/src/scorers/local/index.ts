/**
 * The embedded ("local") scorer: hand-crafted features of the working image fed to a small
 * regressor fitted on human opinion scores (CLIVE; see model.json and
 * scripts/fit-local-model.js). No network, no native code beyond the sharp decode, about
 * 15 ms per 512 px image.
 */
import { z } from 'zod';

import type { WorkingImage } from '../../prepare/decode';
import {
  defectPenalty,
  defectReasons,
  dimensionsWithDefects,
  measureOverviewDefects,
  pointsByCause,
  withNativeEvidence,
  type DefectFamily,
  type DefectMeasures,
  type OverviewDefectMeasures,
} from './defects';
import {
  extractFeatures,
  measureMonochrome,
  type Dimensions,
  type ImageFeatures,
  type MonochromeStats,
} from './features';
import modelJson from './model.json';
import { explainDimensions, explainOverall, explainSize, type Reasons } from './reasons';
import { applySize, enlargedForModel, modelView, resolutionReading, sizeEffect, type SizeOptions } from './size';

export type { Dimensions, DimensionName } from './features';
export { DIMENSION_NAMES } from './features';
export { explainOverall, type Reasons } from './reasons';
export { DEFAULT_TARGET_MEGAPIXELS, type SizeOptions } from './size';

export interface LocalScore {
  /** 0–100, one decimal; bands of 20 map to classes 1–5 (see scoreToClass). */
  score: number;
  /** Human-facing readings, 0–100 integers, higher = better. */
  dimensions: Dimensions;
  /** Why the low dimensions pull the score down, with the measured numbers; absent when fine. */
  reasons: Reasons & { colourBalance?: string };
  /** Model version, so stored scores can be traced to the model that produced them. */
  version: string;
  /** What the opinion model said, before the points that grain, defects and size take off. */
  opinion: number;
  /** Points taken off the opinion, by cause (only those that cost anything), one decimal. */
  penalties: Partial<Record<'grain' | 'size' | DefectFamily, number>>;
  /** The damage measurements behind the defect points (at 100 % and on the overview). */
  evidence: DefectMeasures;
  /**
   * Present (true) for a black-and-white or toned photo (one hue at most, see measureMonochrome):
   * judged on tone and detail alone; `colourfulness` and `saturation` do not apply and read a
   * neutral MONOCHROME_COLOUR_READING, with no colour reason.
   */
  monochrome?: true;
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
  /** RBF kernel ridge: Σ dualᵢ·exp(−γ‖z − supportᵢ‖²/p) + intercept, over standardised features. */
  kernel: z.object({
    gamma: z.number().positive(),
    intercept: z.number(),
    dual: z.array(z.number()).min(1),
    support: z.array(z.array(z.number())).min(1),
  }),
  trees: z.object({ base: z.number(), trees: z.array(treeNodeSchema) }),
  blend: z.object({ kernel: z.number(), trees: z.number() }),
  calibration: z.object({ scale: z.number().positive(), offset: z.number() }),
});

type LocalModel = z.infer<typeof modelSchema>;

/** Validated once at load: a malformed model.json must fail loudly, not score silently wrong. */
function loadModel(): LocalModel {
  const model = modelSchema.parse(modelJson);
  const { dual, support } = model.kernel;
  if (dual.length !== support.length || support.some((vector) => vector.length !== model.features.length)) {
    throw new Error(
      `local scorer model ${model.version}: kernel needs one dual weight per support vector and ` +
        `${model.features.length} values per vector`,
    );
  }
  return model;
}

const MODEL = loadModel();

/** Same clipping and standardisation as the fitting script (scripts/quality-fit.js `standardise`). */
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

function kernelPrediction(z: Float64Array, model: LocalModel): number {
  const { gamma, intercept, dual, support } = model.kernel;
  const scale = -gamma / z.length;
  let sum = intercept;
  for (let i = 0; i < support.length; i++) {
    const vector = support[i];
    let distance = 0;
    for (let j = 0; j < z.length; j++) distance += (z[j] - vector[j]) ** 2;
    sum += dual[i] * Math.exp(scale * distance);
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
 * Size is weighed in size.ts: images under 500 px are judged enlarged to it, size below the
 * target costs 2.5 points per halving, thumbnails have a ceiling (40 at 0.05 MP).
 */
export type LocalOptions = SizeOptions;

/** What colourfulness and saturation read for a monochrome photo: neither good nor bad, no reason. */
export const MONOCHROME_COLOUR_READING = 50;

/**
 * The colour measurements the model is given for a monochrome photo: its training set's mean,
 * so it judges a black-and-white photo on tone and detail and not as a colour photo without
 * colour (on 146 clive-dev photos, a greyscale copy lost 2.5 points on average and 17 lost
 * more than 10; with the mean colour readings, 0.8 and 6).
 */
const MONOCHROME_NEUTRAL_FEATURES = ['colourfulness', 'meanSaturation', 'saturatedClip'];
const NEUTRAL_COLOUR: Record<string, number> = Object.fromEntries(
  MODEL.features.filter((feature) => MONOCHROME_NEUTRAL_FEATURES.includes(feature.name)).map((f) => [f.name, f.mean]),
);

/** The measurements the model judges: of the image as seen at the model's scale (size.ts), colour neutral when monochrome. */
function modelInput(image: WorkingImage, raw: Record<string, number>, monochrome: boolean): Record<string, number> {
  const view = modelView(image);
  // The JPEG grid is only measurable on the stored pixels, so blockiness comes from those.
  const seen = view === image ? raw : { ...extractFeatures(view).raw, blockiness: raw.blockiness };
  return monochrome ? { ...seen, ...NEUTRAL_COLOUR } : seen;
}

/**
 * The CLIVE photos carry almost no grain (texture-discounted σ at most ≈ 1 level at working
 * size), so the model never saw a noisy photo, and it reads added grain as fine detail: left
 * alone, a photo with heavy noise added would score higher than the clean one. Grain beyond
 * what the model saw costs points instead, 25 per doubling.
 */
const GRAIN_SEEN = 1.0;
const GRAIN_PENALTY_PER_DOUBLING = 25;

export function grainPenalty(grainLog: number): number {
  const grain = 10 ** grainLog - 0.1;
  return grain <= GRAIN_SEEN ? 0 : GRAIN_PENALTY_PER_DOUBLING * Math.log2(grain / GRAIN_SEEN);
}

/** Predicted opinion score on the CLIVE MOS scale (0–100), before the size and grain penalties. */
export function predictOpinionScore(raw: Record<string, number>): number {
  const z = standardisedFeatures(raw, MODEL);
  const blended = MODEL.blend.kernel * kernelPrediction(z, MODEL) + MODEL.blend.trees * treePrediction(z, MODEL);
  return MODEL.calibration.offset + MODEL.calibration.scale * blended;
}

/**
 * Another score of the same image (deep mode's) under the size rules 2 and 3 of size.ts (the
 * enlargement is the fast model's), with the resolution reason that goes with it.
 */
export function withSizeRules(
  score: number,
  image: WorkingImage,
  options: LocalOptions = {},
): { score: number; reason: string | undefined; sizePoints: number } {
  const size = sizeEffect(image.originalWidth, image.originalHeight, options);
  const adjusted = applySize(score, size);
  return {
    score: finalScore(adjusted),
    reason: explainSize(size, image, score - adjusted, false),
    sizePoints: score - adjusted,
  };
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * The 0–100 score of a prediction: as predicted between 10 and 90, and approaching 0 and 100
 * without reaching them beyond, so that of two bad copies the worse still scores lower
 * (a hard clamp would tie every image the penalties push below 0).
 */
export function finalScore(predicted: number): number {
  if (predicted < 10) return round1(10 * Math.exp((predicted - 10) / 10));
  if (predicted > 90) return round1(100 - 10 * Math.exp((90 - predicted) / 10));
  return round1(predicted);
}

/** Scores a decoded working image. Pure and deterministic. */
export function scoreLocal(image: WorkingImage, options: LocalOptions = {}): LocalScore {
  return scoreMeasured(image, measureOverview(image), options);
}

/**
 * The same score for an image from decodeWorkingImageDeferred: everything the overview alone
 * decides is measured while libvips still decodes the 100 % band, which is then awaited.
 */
export async function scoreLocalDeferred(image: WorkingImage, options: LocalOptions = {}): Promise<LocalScore> {
  const overview = measureOverview(image);
  const native = image.native ?? (await image.pendingNative);
  return scoreMeasured(native ? { ...image, native } : image, overview, options);
}

/** What the overview alone decides: its features, the tint, its defect measures, the model's opinion. */
interface OverviewMeasurements {
  features: ImageFeatures;
  tint: MonochromeStats;
  measures: OverviewDefectMeasures;
  opinion: number;
}

function measureOverview(image: WorkingImage): OverviewMeasurements {
  const features = extractFeatures(image);
  const tint = measureMonochrome(image, features.meanOpponent);
  return {
    features,
    tint,
    measures: measureOverviewDefects(image, features.raw, tint),
    opinion: predictOpinionScore(modelInput(image, features.raw, tint.monochrome)),
  };
}

function scoreMeasured(
  image: WorkingImage,
  {
    features: { raw, dimensions: overviewDimensions },
    tint,
    measures: overviewMeasures,
    opinion,
  }: OverviewMeasurements,
  options: LocalOptions,
): LocalScore {
  const { monochrome } = tint;
  const measures = withNativeEvidence(overviewMeasures, image.native);
  const defects = defectPenalty(measures);
  const dimensions = dimensionsWithDefects(overviewDimensions, defects);
  const size = sizeEffect(image.originalWidth, image.originalHeight, options);
  dimensions.resolution = resolutionReading(size.megapixels, size.targetMegapixels);
  if (monochrome) dimensions.colourfulness = dimensions.saturation = MONOCHROME_COLOUR_READING;
  const grain = grainPenalty(raw.grainLog);
  const beforeSize = opinion - grain - defects.points;
  const predicted = applySize(beforeSize, size);
  const score = finalScore(predicted);
  const penalties = pointsByCause<keyof LocalScore['penalties']>({
    grain,
    ...defects.byFamily,
    size: beforeSize - predicted,
  });
  // The overview's reasons for what it saw; the damage seen at 100 % explains the readings it lowered.
  const explained = explainDimensions(overviewDimensions, raw, monochrome);
  const reasons: LocalScore['reasons'] = { ...explained, ...defectReasons(measures, defects, explained) };
  const sizeReason = explainSize(size, image, beforeSize - predicted, enlargedForModel(image));
  if (sizeReason) reasons.resolution = sizeReason;
  // Only when nothing else says why (a colour cast has no dimension of its own).
  const overall = reasons.colourBalance ? undefined : explainOverall(score, dimensions, monochrome);
  if (overall) reasons.overall = overall;
  return {
    score,
    dimensions,
    reasons,
    version: MODEL.version,
    opinion: round1(opinion),
    penalties,
    evidence: measures,
    ...(monochrome ? { monochrome: true as const } : {}),
  };
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
