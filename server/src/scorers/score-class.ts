/**
 * Quality classes shown to people: five bands, each 20 points wide on the 0–100 score,
 * named as the vendors that grade in classes (Everypixel) name them.
 */
export type QualityClass = 1 | 2 | 3 | 4 | 5;

export const QUALITY_CLASS_LABELS: Readonly<Record<QualityClass, string>> = {
  1: 'very bad',
  2: 'bad',
  3: 'average',
  4: 'good',
  5: 'excellent',
};

const BAND_WIDTH = 20;

/**
 * Maps a 0–100 score to its class: [0,20)→1, [20,40)→2, [40,60)→3, [60,80)→4, [80,100]→5.
 * Scores outside 0–100 are clamped first so a slightly out-of-range scorer cannot
 * produce class 0 or 6; NaN is a caller bug and throws.
 */
export function scoreToClass(score: number): QualityClass {
  if (Number.isNaN(score)) {
    throw new RangeError('scoreToClass: score is NaN');
  }
  const clamped = Math.min(100, Math.max(0, score));
  const band = Math.min(4, Math.floor(clamped / BAND_WIDTH));
  return (band + 1) as QualityClass;
}
