/**
 * Damage the opinion model cannot weigh: it was fitted on 500 px CLIVE photos, judges a
 * 512 px overview, and never saw a photo with grain, recompression, blur at 100 %, a colour
 * cast or blown highlights added on purpose, so left alone it often prefers the damaged copy.
 *
 * Each defect is a measurement (mostly at 100 %, see prepare/native.ts; exposure, contrast
 * and colour from the overview) fed through a few hinges `max(0, ±(x − knot))`; the points
 * it costs are a non-negative weighted sum of its hinges, fitted by
 * `scripts/fit-defects.js` on pairs of real photos and their degraded copies (the
 * original must win) together with the CLIVE opinions (the score must still agree with
 * people), and stored in defects.json. Non-negative weights keep every defect monotone:
 * more damage never costs fewer points, and each family's points name a reason.
 */
import { z } from 'zod';

import type { WorkingImage } from '../../prepare/decode';
import type { NativeEvidence } from '../../prepare/native';
import defectsJson from './defects.json';
import type { DimensionName, Dimensions, MonochromeStats } from './features';

export const DEFECT_FAMILIES = [
  'noise',
  'compression',
  'softness',
  'overexposure',
  'underexposure',
  'contrast',
  'colourCast',
  'desaturation',
] as const;
export type DefectFamily = (typeof DEFECT_FAMILIES)[number];

export interface DefectMeasures {
  /** Grain σ at 100 % in the flattest well-exposed blocks, 0–255 levels. */
  noiseSigma: number;
  /** 100 − the JPEG's quality from its tables; 0 for other formats. */
  jpegLoss: number;
  /** Steps across the 8×8 grid over steps inside it at 100 %; 1 = none. */
  blockiness: number;
  /** Fine-octave energy ratio (log10) in the most detailed blocks at 100 %. */
  fineDetail: number;
  /** The same in the median block. */
  fineDetailMedian: number;
  /** Share of exactly repeated neighbours in detailed blocks at 100 % (pixelation). */
  repeatShare: number;
  highlightClip: number;
  shadowClip: number;
  /** Mean luma of the overview, 0–1. */
  brightness: number;
  /** 2nd–98th percentile span of luma, 0–1. */
  tonalRange: number;
  /** Distance of the mean colour from neutral on the opponent axes, 0–1 (255 levels). */
  colourCast: number;
  /**
   * Grey-edge cast: how far the mean red and blue edge strengths stray from green's (log
   * ratio). Edges average to neutral in most scenes, even where the colours do not, and a
   * white-balance error scales the channels' edges apart.
   */
  edgeCast: number;
  /** Hasler–Süsstrunk colourfulness / 100. */
  colourfulness: number;
  /** 1 when the photo is black and white (or one-toned): no colour measure applies. */
  monochrome: number;
}

interface DefectTerm {
  family: DefectFamily;
  measure: keyof DefectMeasures;
  /** +1: worse above the knot; −1: worse below it. */
  direction: 1 | -1;
  knot: number;
}

const hinges = (
  family: DefectFamily,
  measure: keyof DefectMeasures,
  direction: 1 | -1,
  knots: number[],
): DefectTerm[] => knots.map((knot) => ({ family, measure, direction, knot }));

/**
 * The basis. Knots start where clean photos stop (clive-dev and the degradation set's
 * originals): grain above ≈ 1.5 levels, JPEG quality below ≈ 90, fine detail below what a
 * sharp 100 % view shows, and so on.
 */
export const DEFECT_TERMS: readonly DefectTerm[] = [
  ...hinges('noise', 'noiseSigma', 1, [0.5, 1.5, 3, 6, 12]),
  ...hinges('compression', 'jpegLoss', 1, [10, 25, 45, 70]),
  ...hinges('compression', 'blockiness', 1, [1.15, 1.35, 1.7]),
  ...hinges('softness', 'fineDetail', -1, [0.3, 0.15, 0, -0.15]),
  ...hinges('softness', 'fineDetailMedian', -1, [0.2, 0.05, -0.1]),
  ...hinges('softness', 'repeatShare', 1, [0.05, 0.1, 0.2, 0.35]),
  ...hinges('overexposure', 'highlightClip', 1, [0.001, 0.005, 0.02, 0.08, 0.2]),
  ...hinges('overexposure', 'brightness', 1, [0.35, 0.45, 0.5, 0.55, 0.65, 0.75]),
  ...hinges('underexposure', 'shadowClip', 1, [0.02, 0.08, 0.2]),
  ...hinges('underexposure', 'brightness', -1, [0.35, 0.25, 0.15]),
  ...hinges('contrast', 'tonalRange', -1, [0.7, 0.5, 0.3]),
  ...hinges('colourCast', 'colourCast', 1, [0.03, 0.06, 0.1, 0.15, 0.2]),
  ...hinges('colourCast', 'edgeCast', 1, [0, 0.1, 0.2, 0.3, 0.5]),
  ...hinges('desaturation', 'colourfulness', -1, [1.2, 0.6, 0.45, 0.3, 0.2, 0.1]),
];

export const DEFECT_TERM_NAMES = DEFECT_TERMS.map(
  (term) => `${term.measure}${term.direction > 0 ? '>' : '<'}${term.knot}`,
);

const weightsSchema = z.object({
  version: z.string().min(1),
  terms: z.array(z.string()),
  weights: z.array(z.number().nonnegative()),
});
/** The fast mode's weights, and the deep head's (fitted on its own scores) under `deep`. */
const defectsSchema = weightsSchema.extend({ deep: weightsSchema.optional() });

export interface FittedDefects {
  version: string;
  weights: Float64Array;
  /** For the deep head's score; the fast mode's when none were fitted. */
  deepWeights: Float64Array;
}

function checkedWeights(fitted: z.infer<typeof weightsSchema>): Float64Array {
  if (fitted.terms.join('|') !== DEFECT_TERM_NAMES.join('|') || fitted.weights.length !== DEFECT_TERMS.length) {
    throw new Error(`defects.json ${fitted.version} was fitted on other terms than DEFECT_TERMS: refit it`);
  }
  return Float64Array.from(fitted.weights);
}

function loadWeights(): FittedDefects {
  const parsed = defectsSchema.parse(defectsJson);
  const weights = checkedWeights(parsed);
  return { version: parsed.version, weights, deepWeights: parsed.deep ? checkedWeights(parsed.deep) : weights };
}

// Loaded on first use, so the fitting script can load this module while refitting new terms.
let fitted: FittedDefects | undefined;
export function fittedDefects(): FittedDefects {
  fitted ??= loadWeights();
  return fitted;
}

/** Colour measures skip monochrome photos: a black-and-white print has no cast and wants no colour. */
const COLOUR_FAMILIES: ReadonlySet<DefectFamily> = new Set(['colourCast', 'desaturation']);

/** The hinge values, in DEFECT_TERMS order (the fitting script's design matrix). */
export function defectBasis(measures: DefectMeasures): Float64Array {
  const basis = new Float64Array(DEFECT_TERMS.length);
  DEFECT_TERMS.forEach((term, index) => {
    if (measures.monochrome && COLOUR_FAMILIES.has(term.family)) return;
    const value = term.direction * (measures[term.measure] - term.knot);
    basis[index] = value > 0 ? value : 0;
  });
  return basis;
}

// Bound once: in a vm context (jest) a global `Math.abs` lookup per pixel is ~100× slower.
const { abs: mathAbs } = Math;

/**
 * Grey-edge cast of the overview (see DefectMeasures); the grey-world cast is the monochrome
 * check's mean chroma, already measured.
 */
function edgeCastOf(image: WorkingImage): number {
  const { data, width, height } = image;
  let edgeR = 0;
  let edgeG = 0;
  let edgeB = 0;
  const stride = 3 * width;
  for (let y = 0; y < height - 1; y++) {
    // The right neighbour is the next pixel: carried over, so each step loads two pixels, not three.
    let i = y * stride;
    let r = data[i],
      g = data[i + 1],
      b = data[i + 2];
    for (let x = 0; x < width - 1; x++, i += 3) {
      const rightR = data[i + 3],
        rightG = data[i + 4],
        rightB = data[i + 5];
      const below = i + stride;
      edgeR += mathAbs(rightR - r) + mathAbs(data[below] - r);
      edgeG += mathAbs(rightG - g) + mathAbs(data[below + 1] - g);
      edgeB += mathAbs(rightB - b) + mathAbs(data[below + 2] - b);
      r = rightR;
      g = rightG;
      b = rightB;
    }
  }
  const g = edgeG + 1;
  return Math.hypot(Math.log((edgeR + 1) / g), Math.log((edgeB + 1) / g));
}

/** The measures only the 100 % evidence gives (prepare/native.ts). */
type NativeMeasure = 'noiseSigma' | 'jpegLoss' | 'blockiness' | 'fineDetail' | 'fineDetailMedian' | 'repeatShare';
export type OverviewDefectMeasures = Omit<DefectMeasures, NativeMeasure>;

/**
 * The measurements from the overview alone, from its raw features (extractFeatures' names):
 * taken while the 100 % band is still being decoded (scoreLocalDeferred).
 */
export function measureOverviewDefects(
  image: WorkingImage,
  raw: Record<string, number>,
  tint: Pick<MonochromeStats, 'meanChroma' | 'monochrome'>,
): OverviewDefectMeasures {
  return {
    highlightClip: raw.highlightClip,
    shadowClip: raw.shadowClip,
    brightness: raw.meanLuma,
    tonalRange: raw.tonalRange,
    colourCast: tint.meanChroma / 255,
    edgeCast: edgeCastOf(image),
    colourfulness: raw.colourfulness,
    monochrome: tint.monochrome ? 1 : 0,
  };
}

/**
 * All the measurements: the overview's and the 100 % evidence. Pixels made in memory carry no
 * 100 % evidence: those measures read as clean.
 */
export function withNativeEvidence(
  overview: OverviewDefectMeasures,
  native: NativeEvidence | undefined,
): DefectMeasures {
  return {
    noiseSigma: native?.noiseSigma ?? 0,
    jpegLoss: native?.jpegQuality == null ? 0 : 100 - native.jpegQuality,
    blockiness: native?.blockiness ?? 1,
    fineDetail: native?.fineDetail ?? 0.5,
    fineDetailMedian: native?.fineDetailMedian ?? 0.5,
    repeatShare: native?.repeatShare ?? 0,
    ...overview,
  };
}

/** Both at once, for an image whose 100 % evidence is already read. */
export function measureDefects(
  image: WorkingImage,
  raw: Record<string, number>,
  tint: Pick<MonochromeStats, 'meanChroma' | 'monochrome'>,
): DefectMeasures {
  return withNativeEvidence(measureOverviewDefects(image, raw, tint), image.native);
}

export interface DefectPenalty {
  /** Points taken off the opinion score, ≥ 0. */
  points: number;
  byFamily: Record<DefectFamily, number>;
}

export function defectPenalty(
  measures: DefectMeasures,
  weights: ArrayLike<number> = fittedDefects().weights,
): DefectPenalty {
  const basis = defectBasis(measures);
  const byFamily = Object.fromEntries(DEFECT_FAMILIES.map((family) => [family, 0])) as Record<DefectFamily, number>;
  let points = 0;
  DEFECT_TERMS.forEach((term, index) => {
    const cost = weights[index] * basis[index];
    byFamily[term.family] += cost;
    points += cost;
  });
  return { points, byFamily };
}

/** A family costing at least this many points is named among the reasons. */
export const DEFECT_REASON_POINTS = 3;

const levels = (value: number): string => value.toFixed(value < 10 ? 1 : 0);
const percent = (fraction: number): string => `${Math.round(100 * fraction)} %`;

/** The dimension each family's points belong to (a colour cast has none of its own). */
const FAMILY_DIMENSION: Partial<Record<DefectFamily, DimensionName>> = {
  noise: 'noise',
  compression: 'compression',
  softness: 'sharpness',
  overexposure: 'exposure',
  underexposure: 'exposure',
  contrast: 'contrast',
  desaturation: 'saturation',
};

/**
 * The readings as the points say: a dimension reads at most 100 − 2 × its family's points, so
 * damage the overview cannot see (grain at 100 %, a JPEG's quality) shows in its reading too,
 * and a reading under 50 (25 points or more) always comes with the family's reason.
 */
export function dimensionsWithDefects(dimensions: Dimensions, penalty: DefectPenalty): Dimensions {
  const out = { ...dimensions };
  for (const [family, dimension] of Object.entries(FAMILY_DIMENSION) as Array<[DefectFamily, DimensionName]>) {
    const ceiling = Math.round(Math.max(0, 100 - 2 * penalty.byFamily[family]));
    if (ceiling < out[dimension]) out[dimension] = ceiling;
  }
  return out;
}

/**
 * Short reasons, by the dimension each family belongs to, for the families that cost points.
 * The overview's own reasons (`existing`) stay: "out of focus" says more than "soft at
 * 100 %" when both are true; the JPEG's quality is added to a blocking reason.
 */
export function defectReasons(
  measures: DefectMeasures,
  penalty: DefectPenalty,
  existing: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const reasons: Record<string, string> = {};
  const costs = (family: DefectFamily): boolean => penalty.byFamily[family] >= DEFECT_REASON_POINTS;
  if (costs('noise')) reasons.noise = `noisy at 100 %: grain of about ${levels(measures.noiseSigma)} levels`;
  if (costs('compression')) {
    reasons.compression =
      measures.jpegLoss > 10
        ? `compressed hard: JPEG quality about ${Math.round(100 - measures.jpegLoss)}`
        : 'JPEG blocking visible at 100 %';
  }
  if (costs('softness')) reasons.sharpness = 'soft at 100 %: little fine detail (blurred, or enlarged from a smaller image)';
  if (costs('overexposure')) {
    reasons.exposure =
      measures.highlightClip >= 0.02
        ? `overexposed: ${percent(measures.highlightClip)} of pixels clipped`
        : `overexposed: mean brightness ${percent(measures.brightness)}`;
  } else if (costs('underexposure')) {
    reasons.exposure =
      measures.shadowClip >= 0.02
        ? `underexposed: ${percent(measures.shadowClip)} of pixels crushed`
        : `underexposed: mean brightness ${percent(measures.brightness)}`;
  }
  if (costs('contrast')) reasons.contrast = `low contrast: tones span ${percent(measures.tonalRange)} of the range`;
  if (costs('colourCast')) reasons.colourBalance = 'colour cast: the white balance looks off';
  if (costs('desaturation')) reasons.saturation = 'washed-out colours';
  const merged: Record<string, string> = {};
  for (const [key, reason] of Object.entries(reasons)) {
    const before = existing[key];
    if (!before) merged[key] = reason;
    else if (key === 'compression' && measures.jpegLoss > 10 && !before.includes('quality')) {
      merged[key] = `${before} (JPEG quality about ${Math.round(100 - measures.jpegLoss)})`;
    }
  }
  return merged;
}

/** Points by cause as scorer details show them: those that cost anything, one decimal. */
export function pointsByCause<Cause extends string>(
  points: Partial<Record<Cause, number>>,
): Partial<Record<Cause, number>> {
  const out: Partial<Record<Cause, number>> = {};
  for (const [cause, value] of Object.entries(points) as Array<[Cause, number | undefined]>) {
    if (value !== undefined && value >= 0.05) out[cause] = Math.round(value * 10) / 10;
  }
  return out;
}
