/**
 * Short human reasons for the dimensions that pull a photo down, with the measured numbers
 * behind them ("overexposed: 18 % of pixels clipped"), for photoScoreDetails and the CLI.
 */
import type { DimensionName, Dimensions } from './features';

export type Reasons = Partial<Record<DimensionName, string>>;

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

/** Reasons for every dimension below REASON_THRESHOLD except resolution (see scoreLocal). */
export function explainDimensions(dimensions: Dimensions, raw: Measurements): Reasons {
  const reasons: Reasons = {};
  for (const [name, explain] of Object.entries(EXPLAIN) as Array<
    [keyof typeof EXPLAIN, (raw: Measurements) => string]
  >) {
    if (dimensions[name] < REASON_THRESHOLD) reasons[name] = explain(raw);
  }
  return reasons;
}

/** Size only costs points below the size the model was fitted on, so only then is it a reason. */
export function explainSize(megapixels: number, penalty: number): string | undefined {
  if (penalty <= 0) return undefined;
  const shown = megapixels < 0.1 ? megapixels.toFixed(2) : megapixels.toFixed(1);
  return `small: ${shown} MP`;
}
