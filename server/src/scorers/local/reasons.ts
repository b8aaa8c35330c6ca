/**
 * Short human reasons for the dimensions that pull a photo down, with the measured numbers
 * behind them ("overexposed: 18 % of pixels clipped"), for photoScoreDetails and the CLI.
 */
import type { DimensionName, Dimensions } from './features';
import { MODEL_VIEW_SIDE, THUMBNAIL_CEILING, THUMBNAIL_MEGAPIXELS, type SizeEffect } from './size';

/** By dimension; `overall` when the score is low and no single reading explains it. */
export type Reasons = Partial<Record<DimensionName | 'overall', string>>;

/** A dimension below this reads as a problem worth naming (typical good photos read 60–90). */
export const REASON_THRESHOLD = 50;

function percent(fraction: number): string {
  const value = 100 * fraction;
  return `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} %`;
}

/** Expects the `raw` measurements of extractFeatures (names are that module's contract). */
type Measurements = Record<string, number>;

const EXPLAIN: Record<Exclude<DimensionName, 'resolution'>, (raw: Measurements) => string> = {
  sharpness: (raw) =>
    raw.sharpTileShare !== undefined && raw.sharpTileShare < 0.25 && raw.tileSharpnessMax > 2.6
      ? 'mostly out of focus: only a small region is sharp'
      : 'out of focus or blurred',
  exposure: (raw) => {
    const bright = raw.meanLuma > 118 / 255;
    if (bright) {
      return raw.highlightClip >= 0.02
        ? `overexposed: ${percent(raw.highlightClip)} of pixels clipped`
        : `overexposed: mean brightness ${percent(raw.meanLuma)}`;
    }
    return raw.shadowClip >= 0.02
      ? `underexposed: ${percent(raw.shadowClip)} of pixels crushed`
      : `underexposed: mean brightness ${percent(raw.meanLuma)}`;
  },
  contrast: (raw) => `low contrast: tones span ${percent(raw.tonalRange)} of the range`,
  colourfulness: (raw) => (raw.colourfulness < 0.03 ? 'almost no colour' : 'dull colours'),
  saturation: (raw) =>
    raw.meanSaturation > 0.35
      ? raw.saturatedClip > 0.005
        ? `oversaturated: ${percent(raw.saturatedClip)} of pixels with a clipped colour channel`
        : 'oversaturated colours'
      : 'washed-out colours',
  noise: (raw) => `noisy: grain of about ${(10 ** raw.grainLog - 0.1).toFixed(1)} levels in flat areas`,
  compression: () => 'visible JPEG blocking',
};

/**
 * Reasons for every dimension below REASON_THRESHOLD except resolution (see explainSize); a
 * monochrome photo's colour readings do not apply and give none.
 */
export function explainDimensions(dimensions: Dimensions, raw: Measurements, monochrome = false): Reasons {
  const reasons: Reasons = {};
  for (const [name, explain] of Object.entries(EXPLAIN) as Array<
    [keyof typeof EXPLAIN, (raw: Measurements) => string]
  >) {
    if (monochrome && (name === 'colourfulness' || name === 'saturation')) continue;
    if (dimensions[name] < REASON_THRESHOLD) reasons[name] = explain(raw);
  }
  return reasons;
}

/** 0.25, 0.063, 0.0041, 1.9, 12: two significant digits, never "0.00". */
export function formatMegapixels(megapixels: number): string {
  return String(Number(megapixels.toPrecision(2)));
}

/**
 * Why size costs points, whenever it does (size.ts): below the target, under the thumbnail
 * ceiling, or judged enlarged. `lost` is what the penalty and the ceiling took off.
 */
export function explainSize(
  effect: SizeEffect,
  size: { originalWidth: number; originalHeight: number },
  lost: number,
  enlarged: boolean,
): string | undefined {
  if (lost < 0.05 && !enlarged) return undefined;
  const parts = [`small: ${formatMegapixels(effect.megapixels)} MP (${size.originalWidth}×${size.originalHeight} px)`];
  if (effect.penalty > 0) parts.push(`below the ${formatMegapixels(effect.targetMegapixels)} MP target`);
  if (effect.megapixels < THUMBNAIL_MEGAPIXELS) {
    parts.push(
      `under ${THUMBNAIL_MEGAPIXELS} MP at most ${THUMBNAIL_CEILING} (${Math.round(effect.ceiling * 10) / 10} at this size)`,
    );
  }
  if (enlarged) parts.push(`judged enlarged to ${MODEL_VIEW_SIDE} px`);
  return `${parts.join(', ')}: −${lost.toFixed(1)} points`;
}

/** Scores under this get a reason, whatever their readings. */
export const LOW_SCORE = 40;

/**
 * When a score is low but no reading is (every dimension ≥ REASON_THRESHOLD), the model's
 * overall impression is the reason: said as such, with the weakest readings for a hint.
 */
export function explainOverall(score: number, dimensions: Dimensions, monochrome = false): string | undefined {
  if (score >= LOW_SCORE) return undefined;
  const readings = (Object.entries(dimensions) as Array<[DimensionName, number]>).filter(
    ([name]) => !(monochrome && (name === 'colourfulness' || name === 'saturation')),
  );
  if (readings.some(([, value]) => value < REASON_THRESHOLD)) return undefined;
  const weakest = readings
    .sort((a, b) => a[1] - b[1])
    .slice(0, 2)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return `overall impression: ${score} of 100, though no single reading is poor (weakest: ${weakest})`;
}
