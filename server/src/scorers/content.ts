/**
 * Is this upload a photograph at all? Logos, icons, clip art, screenshots, charts and
 * rendered text are not photos, and a photo-quality verdict on them is noise: a crisp admin
 * screenshot is not "overexposed", a favicon is not "blurred".
 *
 * It lives with the scorers, not in prepare/: it is a judgment on the decoded working copy,
 * like the quality measurements, and both embedded modes (fast and deep) run it on that same
 * copy before scoring; prepare/ only turns bytes into pixels (plus the cheap header facts
 * this detector also reads: alpha, palette, original size).
 *
 * How: one pass over the ≤ 512 px RGB copy (≈ 1–2 ms) measures what cameras cannot produce
 * and renderers cannot avoid:
 *  - exactly equal neighbours and large exactly-flat areas (sensor noise and demosaicing
 *    leave almost no two neighbouring photo pixels identical; fills do),
 *  - no noise floor: among near-equal neighbours, how many differ by 1–3 levels (noise)
 *    rather than by exactly 0 (a fill) — a photo's sky or backdrop is flat but noisy,
 *  - few colours: how much of the image its few most frequent exact colours cover, and how
 *    many distinct colours there are per pixel,
 *  - hard edges next to flat fills,
 *  - saturated flat fills,
 *  - transparency, a palette and a small original size (icons), from the header and decode.
 * Boosted trees over these (content-model.json, fitted by scripts/eval-content.js on the
 * tuning half of a labelled set) give the probability of a graphic.
 */
import { z } from 'zod';

import type { PhotoScoreFields } from '../attributes';
import { enrichmentFields } from '../enrichment';
import type { WorkingImage } from '../prepare/decode';
import contentModelJson from './content-model.json';
import type { ScorerOutcome } from './types';

export type Content = 'photo' | 'graphic';

export interface ContentVerdict {
  content: Content;
  /** How sure, 0.5–1: the probability of the class given. */
  confidence: number;
  /** The evidence, in words and numbers ("62 % of the image in exactly flat areas, …"). */
  why: string;
}

/** What prepare knows about an upload besides its pixels; all optional (pixels made in memory have none). */
export interface ContentFacts {
  format?: string;
  /** Share of pixels not fully opaque, 0–1, when the image has an alpha channel. */
  transparentShare?: number;
  palette?: boolean;
  originalWidth?: number;
  originalHeight?: number;
}

/** The measurements, by name: inputs of the logistic model and of the `why`. */
export interface ContentFeatures {
  /** Share of right/down neighbour pairs that are exactly equal (all three channels). */
  equalPairs: number;
  /** Share of pixels equal to all four neighbours: inside an exactly flat area. */
  flatPixels: number;
  /** Of the pairs differing by at most 3 levels, the share differing by 1–3: the noise floor. */
  noiseFloor: number;
  /** Share of pairs differing by 1–3 levels. */
  smallSteps: number;
  /** Of the pairs differing by 1–3 levels, the share whose step is clean (second difference ≤ 1): gradients, not noise. */
  cleanSteps: number;
  /** Share of pairs that are a hard edge (≥ 48 levels) with an exactly flat area on one side: ink on a fill. */
  hardFlatEdges: number;
  /** Share of the image in its most frequent exact colour. */
  topColour: number;
  /** Share of the image in its 8 most frequent colours (5 bits per channel). */
  topColours8: number;
  /** log10 of 1 + the distinct exact colours per 1000 pixels. */
  colourVariety: number;
  /** Chroma (max − min channel, 0–1) of the flat pixels, summed over the image: saturated fills. */
  flatChroma: number;
  /** Share of the image in flat areas of black (every channel ≤ 6): crushed shadows of night photos, mostly. */
  darkFlat: number;
  /** Share of the outermost ring of pixels within 3 levels of its most common colour: a plain background. */
  uniformBorder: number;
  /** Share of the image within 3 levels of that border colour: the background's extent, JPEG ringing or not. */
  background: number;
  /** Share of pairs differing by 4–47 levels: texture, which photos have somewhere and renders lack. */
  texture: number;
  /** Share of transparent pixels (0 for images without alpha). */
  transparent: number;
  /** 1 when the container is palette-based. */
  palette: number;
  /** How icon-sized the original is: 1 at 16 px or less on the longer side, 0 from 128 px. */
  tiny: number;
}

export const CONTENT_FEATURE_NAMES = [
  'equalPairs',
  'flatPixels',
  'noiseFloor',
  'smallSteps',
  'cleanSteps',
  'hardFlatEdges',
  'topColour',
  'topColours8',
  'colourVariety',
  'flatChroma',
  'darkFlat',
  'uniformBorder',
  'background',
  'texture',
  'transparent',
  'palette',
  'tiny',
] as const satisfies ReadonlyArray<keyof ContentFeatures>;

// Scratch space reused across calls: the detector is synchronous, so no two calls share it at once.
const EXACT_BITS = new Uint32Array((1 << 24) / 32);
const QUANTISED = new Uint32Array(1 << 15);
const EXACT_IN_BIN = new Uint32Array(1 << 9);
const TOUCHED = new Uint32Array(1 << 15);
const HARD = 48;

/** The ring's most common colour, and the share of the outermost ring of pixels within 3 levels of it. */
function borderColour(image: WorkingImage): { colour: number; uniform: number } {
  const { data, width, height } = image;
  const at = (p: number): number => (data[p * 3] << 16) | (data[p * 3 + 1] << 8) | data[p * 3 + 2];
  const ring: number[] = [];
  for (let x = 0; x < width; x++) ring.push(at(x), at((height - 1) * width + x));
  for (let y = 1; y < height - 1; y++) ring.push(at(y * width), at(y * width + width - 1));
  const counts = new Map<number, number>();
  let mode = ring[0] ?? 0;
  let best = 0;
  for (const colour of ring) {
    const bin = quantisedBin(colour);
    const count = (counts.get(bin) ?? 0) + 1;
    counts.set(bin, count);
    if (count > best) {
      best = count;
      mode = colour;
    }
  }
  let near = 0;
  for (const colour of ring) if (difference(colour, mode) <= 3) near++;
  return { colour: mode, uniform: ring.length > 0 ? near / ring.length : 0 };
}

/** Largest per-channel difference between two packed 0xRRGGBB colours. */
function difference(a: number, b: number): number {
  const r = Math.abs((a >>> 16) - (b >>> 16));
  const g = Math.abs(((a >>> 8) & 255) - ((b >>> 8) & 255));
  const bl = Math.abs((a & 255) - (b & 255));
  return r > g ? (r > bl ? r : bl) : g > bl ? g : bl;
}

/** Largest per-channel second difference |a − 2b + c| of three packed colours. */
function secondDifference(a: number, b: number, c: number): number {
  const r = Math.abs((a >>> 16) - 2 * (b >>> 16) + (c >>> 16));
  const g = Math.abs(((a >>> 8) & 255) - 2 * ((b >>> 8) & 255) + ((c >>> 8) & 255));
  const bl = Math.abs((a & 255) - 2 * (b & 255) + (c & 255));
  return r > g ? (r > bl ? r : bl) : g > bl ? g : bl;
}

const quantisedBin = (colour: number): number =>
  ((colour >>> 9) & 0x7c00) | ((colour >>> 6) & 0x3e0) | ((colour >>> 3) & 0x1f);

/**
 * The measurements. Pairs and colours are sampled on every other row and column (a quarter
 * of the pixels, each with its right and lower neighbours): the shares are the same within a
 * fraction of a percent and it keeps the pass around a couple of milliseconds at 512 px.
 */
export function contentFeatures(image: WorkingImage, facts: ContentFacts = {}): ContentFeatures {
  const { data, width, height } = image;
  const at = (p: number): number => (data[p * 3] << 16) | (data[p * 3 + 1] << 8) | data[p * 3 + 2];
  const step = width >= 64 && height >= 64 ? 2 : 1;
  const border = borderColour(image);

  let samples = 0;
  let distinct = 0;
  let bins = 0;
  let pairs = 0;
  let equal = 0;
  let small = 0;
  let clean = 0;
  let hardFlat = 0;
  let flat = 0;
  let flatChroma = 0;
  let textured = 0;
  let onBackground = 0;
  let darkFlat = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const p = y * width + x;
      const colour = at(p);
      samples++;
      const word = colour >>> 5;
      const bit = 1 << (colour & 31);
      if ((EXACT_BITS[word] & bit) === 0) {
        EXACT_BITS[word] |= bit;
        distinct++;
      }
      const bin = quantisedBin(colour);
      if (QUANTISED[bin]++ === 0) TOUCHED[bins++] = bin;
      if (difference(colour, border.colour) <= 3) onBackground++;

      let rightEqual = false;
      let downEqual = false;
      if (x < width - 1) {
        const right = at(p + 1);
        pairs++;
        if (right === colour) {
          equal++;
          rightEqual = true;
        } else {
          const d = difference(colour, right);
          if (d <= 3) {
            small++;
            if (x > 0 && secondDifference(at(p - 1), colour, right) <= 1) clean++;
          } else if (d < HARD) textured++;
          else if ((x > 0 && at(p - 1) === colour) || (x < width - 2 && at(p + 2) === right)) hardFlat++;
        }
      }
      if (y < height - 1) {
        const down = at(p + width);
        pairs++;
        if (down === colour) {
          equal++;
          downEqual = true;
        } else {
          const d = difference(colour, down);
          if (d <= 3) {
            small++;
            if (y > 0 && secondDifference(at(p - width), colour, down) <= 1) clean++;
          } else if (d < HARD) textured++;
          else if ((y > 0 && at(p - width) === colour) || (y < height - 2 && at(p + 2 * width) === down)) hardFlat++;
        }
      }
      if (rightEqual && downEqual && x > 0 && y > 0 && at(p - 1) === colour && at(p - width) === colour) {
        flat++;
        const r = colour >>> 16;
        const g = (colour >>> 8) & 255;
        const b = colour & 255;
        flatChroma += (Math.max(r, g, b) - Math.min(r, g, b)) / 255;
        if (r <= 6 && g <= 6 && b <= 6) darkFlat++;
      }
    }
  }

  // The 8 fullest quantised bins, and the fullest exact colour inside the fullest bin.
  const top = [0, 0, 0, 0, 0, 0, 0, 0];
  let fullest = TOUCHED[0];
  for (let k = 0; k < bins; k++) {
    const count = QUANTISED[TOUCHED[k]];
    if (count > top[7]) {
      let j = 7;
      while (j > 0 && top[j - 1] < count) {
        top[j] = top[j - 1];
        j--;
      }
      top[j] = count;
      if (j === 0) fullest = TOUCHED[k];
    }
  }
  for (let k = 0; k < bins; k++) QUANTISED[TOUCHED[k]] = 0;
  let topExact = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const colour = at(y * width + x);
      // Clear the bitset where it was set, rather than all 2 MB of it.
      EXACT_BITS[colour >>> 5] = 0;
      if (quantisedBin(colour) !== fullest) continue;
      const low = ((colour >>> 10) & 0x1c0) | ((colour >>> 5) & 0x38) | (colour & 7);
      if (++EXACT_IN_BIN[low] > topExact) topExact = EXACT_IN_BIN[low];
    }
  }
  EXACT_IN_BIN.fill(0);

  const nearEqual = equal + small;
  const longer = Math.max(facts.originalWidth ?? image.originalWidth, facts.originalHeight ?? image.originalHeight);
  return {
    equalPairs: pairs > 0 ? equal / pairs : 0,
    flatPixels: samples > 0 ? flat / samples : 0,
    noiseFloor: nearEqual > 0 ? small / nearEqual : 0,
    smallSteps: pairs > 0 ? small / pairs : 0,
    cleanSteps: small > 0 ? clean / small : 0,
    hardFlatEdges: pairs > 0 ? hardFlat / pairs : 0,
    topColour: samples > 0 ? topExact / samples : 0,
    topColours8: samples > 0 ? top.reduce((sum, count) => sum + count, 0) / samples : 0,
    colourVariety: Math.log10(1 + (1000 * distinct) / Math.max(1, samples)),
    flatChroma: samples > 0 ? flatChroma / samples : 0,
    darkFlat: samples > 0 ? darkFlat / samples : 0,
    uniformBorder: border.uniform,
    background: samples > 0 ? onBackground / samples : 0,
    texture: pairs > 0 ? textured / pairs : 0,
    transparent: facts.transparentShare ?? image.transparency?.share ?? 0,
    palette: (facts.palette ?? image.palette) ? 1 : 0,
    // Only "tiny" and not the size itself: in the labelled set the photos are mostly 500 px and
    // the big images renders and screenshots, a difference real uploads do not share.
    tiny: Math.min(1, Math.max(0, (7 - Math.log2(Math.max(1, longer))) / 3)),
  };
}

/** A tree is a leaf value (a logit increment) or [featureIndex, threshold, whenBelowOrEqual, whenAbove]. */
type TreeNode = number | [number, number, TreeNode, TreeNode];

const treeNodeSchema: z.ZodType<TreeNode> = z.lazy(() =>
  z.union([z.number(), z.tuple([z.number().int().nonnegative(), z.number(), treeNodeSchema, treeNodeSchema])]),
);

const contentModelSchema = z.object({
  version: z.string().min(1),
  /** The feature order the trees index into; must be CONTENT_FEATURE_NAMES. */
  features: z.array(z.string()),
  /** P(graphic) = σ(base + Σ tree(x)). */
  base: z.number(),
  trees: z.array(treeNodeSchema).min(1),
  /** P(graphic) from which an image is called a graphic. */
  threshold: z.number().gt(0).lt(1),
});

export type ContentModel = z.infer<typeof contentModelSchema>;

/** Validated once at load: a malformed model must fail loudly, not classify silently wrong. */
function loadContentModel(): ContentModel {
  const model = contentModelSchema.parse(contentModelJson);
  if (model.features.join(',') !== CONTENT_FEATURE_NAMES.join(',')) {
    throw new Error(
      `content model ${model.version}: features ${model.features.join(',')} are not ${CONTENT_FEATURE_NAMES.join(',')}`,
    );
  }
  return model;
}

/** Boosted trees fitted by `node scripts/eval-content.js <set-dir> --fit --write` on the tune half (README, "Graphics"). */
export const CONTENT_MODEL: ContentModel = loadContentModel();

function evaluateTree(node: TreeNode, values: readonly number[]): number {
  let current = node;
  while (typeof current !== 'number') current = values[current[0]] <= current[1] ? current[2] : current[3];
  return current;
}

export function graphicProbability(features: ContentFeatures, model: ContentModel = CONTENT_MODEL): number {
  const values = CONTENT_FEATURE_NAMES.map((name) => features[name]);
  let logit = model.base;
  for (const tree of model.trees) logit += evaluateTree(tree, values);
  return 1 / (1 + Math.exp(-logit));
}

const percent = (share: number): string => `${Math.round(share * 100)} %`;

/** The two or three readings that tell most, in words. */
function explain(features: ContentFeatures, content: Content): string {
  const parts: string[] = [];
  if (content === 'graphic') {
    if (features.transparent >= 0.02) parts.push(`transparent background (${percent(features.transparent)} of pixels)`);
    if (features.flatPixels >= 0.1) parts.push(`${percent(features.flatPixels)} of the image in exactly flat areas`);
    if (features.topColours8 >= 0.5) parts.push(`8 colours cover ${percent(features.topColours8)}`);
    if (features.noiseFloor < 0.4)
      parts.push(`no sensor noise (${percent(features.noiseFloor)} of near-equal neighbours differ)`);
    if (features.uniformBorder >= 0.9 && parts.length < 3) parts.push(`plain background around the edges`);
    if (features.hardFlatEdges >= 0.01 && parts.length < 3) parts.push(`hard edges against flat fills`);
    if (parts.length === 0) parts.push(`${percent(features.equalPairs)} of neighbouring pixels identical`);
  } else {
    parts.push(`texture in ${percent(features.texture)} of neighbouring pixels`);
    parts.push(`a noise floor (${percent(features.noiseFloor)} of near-equal neighbours differ)`);
    if (features.darkFlat >= 0.05) parts.push(`crushed shadows (${percent(features.darkFlat)} of the image)`);
    else parts.push(`${Math.round(10 ** features.colourVariety - 1)} distinct colours per 1000 pixels`);
  }
  return parts.slice(0, 3).join(', ');
}

/** Photo or graphic, with the probability and the evidence in words. */
export function detectContent(image: WorkingImage, facts: ContentFacts = {}): ContentVerdict {
  const features = contentFeatures(image, facts);
  const probability = graphicProbability(features);
  const content: Content = probability >= CONTENT_MODEL.threshold ? 'graphic' : 'photo';
  const confidence = Math.round((content === 'graphic' ? probability : 1 - probability) * 100) / 100;
  return { content, confidence, why: explain(features, content) };
}

/** What `photoScoreDetails` records about the content of every decoded image. */
export const contentDetails = (
  verdict: ContentVerdict,
): { content: Content; contentCheck: { confidence: number; why: string } } => ({
  content: verdict.content,
  contentCheck: { confidence: verdict.confidence, why: verdict.why },
});

/** The reason stored on a graphic that `graphics: 'skip'` leaves unjudged. */
export const graphicSkipReason = (verdict: ContentVerdict): string =>
  `graphic (logo, icon, screenshot or illustration): not judged as a photo (${verdict.why})`;

/**
 * The fields stored on a graphic under `graphics: 'skip'`: no score, status `skipped` (or
 * `flagged` when the offline NSFW check flagged it), the reason and the evidence.
 */
export function skippedGraphicFields(
  verdict: ContentVerdict,
  prepared: { mime: string; format: string; image: WorkingImage },
  scoredAt: string,
  moderated: ScorerOutcome[] = [],
  flagged?: string,
): PhotoScoreFields {
  const reason = graphicSkipReason(verdict);
  return {
    photoScore: null,
    photoScoreClass: null,
    photoScoreStatus: flagged ? 'flagged' : 'skipped',
    ...enrichmentFields(moderated),
    photoScoreDetails: {
      version: 1,
      scoredAt,
      mime: prepared.mime,
      reason,
      ...contentDetails(verdict),
      image: { format: prepared.format, width: prepared.image.originalWidth, height: prepared.image.originalHeight },
      ...(moderated.length > 0 ? { scorers: moderated } : {}),
      decision: flagged ? { status: 'flagged', reason: flagged } : { status: 'skipped', reason },
    },
  };
}
