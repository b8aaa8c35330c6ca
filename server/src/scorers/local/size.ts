/**
 * How image size weighs in the embedded score.
 *
 * The model judges a ≤ 512 px overview and was fitted on 500×500 photos only, so it cannot
 * tell a 12 MP photo from its 0.2 MP copy, and a copy smaller than 500 px looks *crisper* to
 * it: on clive-dev, halving a photo's side raised the model's score by 10 points on average
 * and by up to 37. Three rules make a smaller copy never the better asset:
 *
 * 1. **Seen at the model's scale**: an image whose longer side is under 500 px is enlarged to
 *    500 px (bilinear) before the model sees it, as a viewer would see it enlarged; the
 *    readings (dimensions) stay those of the image itself. No purely post-model rule can do
 *    this job: a size penalty steep enough to cancel the model's gain at half size (+37)
 *    would cost a 500×500 photo 30 points.
 * 2. **Below the target size** (`local.targetMegapixels`, default 2 MP: a media library shows
 *    photos at 1–2 MP, and 2 MP fills a full-HD screen), 2.5 points per halving of the pixel
 *    count: 1 MP loses 2.5, 0.5 MP 5, a 500×500 photo 7.5, 0.06 MP 12.5. At or above the
 *    target nothing is lost. Why 2 MP and not 1: the model's score of two differently
 *    resampled copies of one photo differs by up to ≈ 5 points, so a copy with a quarter of
 *    a 12 MP photo's pixels must lose that much; with a 1 MP target it lost 1.
 * 3. **A ceiling for thumbnails**: at most 40 at 0.05 MP, 10 points less per further halving
 *    (64×64 px: at most 3.9), 30 more per doubling above (no ceiling from 0.2 MP on).
 *
 * All three are monotone in size, and each says why in the `resolution` reason.
 */
import type { WorkingImage } from '../../prepare/decode';

/** Side of the photos the model was fitted on (CLIVE): smaller images are enlarged to it. */
export const MODEL_VIEW_SIDE = 500;
/** A photo in a media library is typically shown at 1–2 MP; from here on size costs nothing. */
export const DEFAULT_TARGET_MEGAPIXELS = 2;
/** Points lost per halving of the pixel count below the target. */
export const POINTS_PER_HALVING = 2.5;
/** Under this size the ceiling is at most 40. */
export const THUMBNAIL_MEGAPIXELS = 0.05;
export const THUMBNAIL_CEILING = 40;
const CEILING_PER_DOUBLING_ABOVE = 30;
const CEILING_PER_HALVING_BELOW = 10;
/** The resolution dimension reads 0 at this size (100×100 px) and 100 at the target. */
const RESOLUTION_ZERO_MEGAPIXELS = 0.01;

const { min: mathMin, max: mathMax, floor: mathFloor, log2: mathLog2, round: mathRound } = Math;

export interface SizeOptions {
  /** Megapixels from which size costs nothing (`local.targetMegapixels`). */
  targetMegapixels?: number;
}

export interface SizeEffect {
  megapixels: number;
  targetMegapixels: number;
  /** Points taken off for being below the target (≥ 0). */
  penalty: number;
  /** The highest score an image of this size may have (100: none). */
  ceiling: number;
}

export function sizeEffect(width: number, height: number, options: SizeOptions = {}): SizeEffect {
  const targetMegapixels = options.targetMegapixels ?? DEFAULT_TARGET_MEGAPIXELS;
  const megapixels = (width * height) / 1e6;
  const halvings = mathLog2(targetMegapixels / mathMax(megapixels, 1e-9));
  const penalty = halvings > 0 ? POINTS_PER_HALVING * halvings : 0;
  const octaves = mathLog2(mathMax(megapixels, 1e-9) / THUMBNAIL_MEGAPIXELS);
  const slope = octaves >= 0 ? CEILING_PER_DOUBLING_ABOVE : CEILING_PER_HALVING_BELOW;
  const ceiling = mathMin(100, mathMax(0, THUMBNAIL_CEILING + slope * octaves));
  return { megapixels, targetMegapixels, penalty, ceiling };
}

/** The score after the size rules 2 and 3, unrounded. */
export function applySize(score: number, effect: SizeEffect): number {
  return mathMin(score - effect.penalty, effect.ceiling);
}

/** 0–100: 0 at 0.01 MP (100×100 px), 100 at the target and above, linear in log2(megapixels). */
export function resolutionReading(megapixels: number, targetMegapixels = DEFAULT_TARGET_MEGAPIXELS): number {
  const span = mathLog2(targetMegapixels / RESOLUTION_ZERO_MEGAPIXELS);
  const value = (100 * mathLog2(mathMax(megapixels, 1e-9) / RESOLUTION_ZERO_MEGAPIXELS)) / span;
  return Math.round(mathMin(100, mathMax(0, value)));
}

/** Whether the model judges this working image enlarged (its longer side is under MODEL_VIEW_SIDE). */
export function enlargedForModel(image: { width: number; height: number }): boolean {
  return mathMax(image.width, image.height) < MODEL_VIEW_SIDE;
}

/**
 * The image the model judges: the working image itself, or, when its longer side is under
 * MODEL_VIEW_SIDE, a bilinear enlargement to that side (same original size and format).
 */
export function modelView(image: WorkingImage): WorkingImage {
  if (!enlargedForModel(image)) return image;
  const longer = mathMax(image.width, image.height);
  const scale = MODEL_VIEW_SIDE / longer;
  const width = mathMax(1, Math.round(image.width * scale));
  const height = mathMax(1, Math.round(image.height * scale));
  const data = Buffer.alloc(width * height * 3);
  const source = image.data;
  const sourceWidth = image.width;
  const lastX = image.width - 1;
  const lastY = image.height - 1;
  for (let y = 0; y < height; y++) {
    const sy = mathMin(lastY, mathMax(0, (y + 0.5) / scale - 0.5));
    const y0 = mathFloor(sy);
    const y1 = mathMin(lastY, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = mathMin(lastX, mathMax(0, (x + 0.5) / scale - 0.5));
      const x0 = mathFloor(sx);
      const x1 = mathMin(lastX, x0 + 1);
      const fx = sx - x0;
      const a = (y0 * sourceWidth + x0) * 3;
      const b = (y0 * sourceWidth + x1) * 3;
      const c = (y1 * sourceWidth + x0) * 3;
      const d = (y1 * sourceWidth + x1) * 3;
      const out = (y * width + x) * 3;
      for (let channel = 0; channel < 3; channel++) {
        const top = source[a + channel] + (source[b + channel] - source[a + channel]) * fx;
        const bottom = source[c + channel] + (source[d + channel] - source[c + channel]) * fx;
        data[out + channel] = mathRound(top + (bottom - top) * fy);
      }
    }
  }
  return { ...image, data, width, height };
}
