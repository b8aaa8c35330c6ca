/**
 * Evidence from pixels at 100 %: where noise, JPEG blocking, fine blur and upscaling live.
 *
 * The overview (≤ 512 px) is an average over up to 8×8 stored pixels: at 12 MP it hides
 * grain of σ 12 levels, blocking and blur of a few pixels, and it cannot tell an upscaled
 * image from a sharp one. So besides the overview, one band of stored rows is decoded at
 * full resolution, placed where the overview shows the most detail, and measured here.
 *
 * Why one band of whole rows: a JPEG decodes sequentially, so what a region costs is the
 * entropy decoding of every row above its bottom; a full-width band costs about what one
 * tile at the same height costs and holds flat blocks (for noise and blocking) and detailed
 * ones (for fine sharpness) alike. The band is read in stored orientation, the JPEG's own
 * 8×8 grid, so a portrait phone photo (EXIF orientation 6) costs no more than a landscape one.
 */
import { estimateJpegQuality, JPEG_HEADER_BYTES } from './jpeg-quality';
import { readHead } from './sniff';
import { isDecodedPixels, openImage, type ImageSource } from './source';

export interface NativeEvidence {
  /** `band`: stored rows decoded at 100 %; `overview`: the overview already is the stored size. */
  from: 'band' | 'overview';
  /** Where the band lies in the stored image (rows `top`…`top + height`), in stored pixels. */
  top: number;
  width: number;
  height: number;
  /** Noise σ in 0–255 levels at 100 %, from the flattest well-exposed blocks (Immerkær's operator). */
  noiseSigma: number;
  /**
   * log10 of the finest octave's gradient energy over the next octave's, in the band's most
   * detailed blocks: about −0.6 for content with no detail at 100 % (blurred, upscaled),
   * towards 0 and above for crisp detail or grain.
   */
  fineDetail: number;
  /** Same ratio in the median block: how much of the frame holds fine detail. */
  fineDetailMedian: number;
  /**
   * Share of steps under one level between neighbours in the most detailed blocks: detail
   * at 100 % seldom repeats a pixel exactly, a nearest-neighbour enlargement (pixelation)
   * repeats every pixel it invents.
   */
  repeatShare: number;
  /** Steps across the 8×8 grid over steps inside it, in smooth blocks: 1 = none, > 1.2 visible blocking. */
  blockiness: number;
  /** IJG-equivalent quality from the JPEG's quantisation tables; null for other formats. */
  jpegQuality: number | null;
}

/** Stored rows the band spans: enough flat and detailed 32-px blocks for stable statistics. */
export const BAND_ROWS = 128;
/** Columns measured at most (centred): beyond this a band only costs more JavaScript time. */
const BAND_MAX_COLUMNS = 2048;
const BLOCK = 32;
// A module-level binding: where the global object is a vm context's (jest), `Math.abs` in a
// per-pixel loop is a slow global lookup (see scorers/local/features.ts).
const { abs: mathAbs } = Math;
/** Scratch for one block's 2×2 means (measureBlock is synchronous, so one buffer serves all). */
const BINNED = new Float32Array((BLOCK >> 1) * (BLOCK >> 1));

/** Detail per stored row, read off the overview (gradient magnitude of green, summed along the row). */
function storedRowDetail(
  overview: { data: Uint8Array; width: number; height: number },
  orientation: number,
): Float64Array {
  const { data, width, height } = overview;
  // Stored row r shows as displayed row r (1, 2), row h−1−r (3, 4), column r (5, 8) or column w−1−r (6, 7).
  const transposed = orientation >= 5 && orientation <= 8;
  const detail = new Float64Array(transposed ? width : height);
  for (let y = 0; y < height - 1; y++) {
    let row = 0;
    for (let x = 0, i = y * width * 3 + 1; x < width - 1; x++, i += 3) {
      const magnitude = mathAbs(data[i + 3] - data[i]) + mathAbs(data[i + 3 * width] - data[i]);
      if (transposed) detail[x] += magnitude;
      else row += magnitude;
    }
    if (!transposed) detail[y] = row;
  }
  return orientation === 3 || orientation === 4 || orientation === 6 || orientation === 7 ? detail.reverse() : detail;
}

/**
 * First stored row of the band: the most detailed stretch of rows, with a mild preference for
 * higher ones, since a band's decoding cost grows with its bottom row.
 */
export function chooseBandTop(detail: Float64Array, storedHeight: number, bandRows: number): number {
  const length = detail.length;
  if (storedHeight <= bandRows || length === 0) return 0;
  const span = Math.max(1, Math.round((bandRows / storedHeight) * length));
  let best = 0;
  let bestScore = -Infinity;
  let window = 0;
  for (let i = 0; i < length; i++) {
    window += detail[i];
    if (i >= span) window -= detail[i - span];
    if (i < span - 1) continue;
    const start = i - span + 1;
    const depth = (start + span) / length;
    const score = (window / span) * (1 - 0.35 * depth);
    if (score > bestScore) {
      bestScore = score;
      best = start;
    }
  }
  const top = Math.round((best / length) * storedHeight);
  // Align to the JPEG's MCU rows (16 px covers 4:2:0) so the 8×8 grid starts at the band's top.
  return Math.min(storedHeight - bandRows, top - (top % 16));
}

/** Luma (BT.601, 0–255) of interleaved pixels with `channels` channels. */
function lumaOf(data: Uint8Array, pixels: number, channels: number): Float32Array {
  const luma = new Float32Array(pixels);
  if (channels === 3) {
    for (let p = 0, i = 0; p < pixels; p++, i += 3) luma[p] = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  } else if (channels >= 3) {
    for (let p = 0, i = 0; p < pixels; p++, i += channels) {
      luma[p] = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    }
  } else {
    for (let p = 0; p < pixels; p++) luma[p] = data[p * channels];
  }
  return luma;
}

function percentileOf(values: Float64Array, fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * (sorted.length - 1)))];
}

interface BlockStats {
  noise: number;
  structure: number;
  fine: number;
  mean: number;
  repeats: number;
}

/** Per 32-px block: Immerkær noise, structure (mean |gradient|), fine-octave energy ratio, mean. */
function measureBlock(luma: Float32Array, stride: number, left: number, top: number): BlockStats {
  let immerkaer = 0;
  let structure = 0;
  let fineEnergy = 0;
  let sum = 0;
  let repeats = 0;
  // Every other row: the block's statistics move very little, and it halves the cost.
  for (let y = top + 1; y < top + BLOCK - 1; y += 2) {
    // A 3×3 window slides along the row: each step loads only its new column.
    let i = y * stride + left;
    let upLeft = luma[i - stride],
      up = luma[i - stride + 1],
      middleLeft = luma[i],
      c = luma[i + 1],
      downLeft = luma[i + stride],
      down = luma[i + stride + 1];
    for (let x = left + 1; x < left + BLOCK - 1; x++) {
      i++;
      const upRight = luma[i - stride + 1],
        right = luma[i + 1],
        downRight = luma[i + stride + 1];
      const laplacian = upLeft + upRight + downLeft + downRight - 2 * (up + down + middleLeft + right) + 4 * c;
      immerkaer += laplacian < 0 ? -laplacian : laplacian;
      const dx = right - c;
      const dy = down - c;
      const adx = dx < 0 ? -dx : dx;
      const ady = dy < 0 ? -dy : dy;
      structure += adx + ady;
      fineEnergy += dx * dx + dy * dy;
      repeats += (adx < 1 ? 1 : 0) + (ady < 1 ? 1 : 0);
      sum += c;
      upLeft = up;
      up = upRight;
      middleLeft = c;
      c = right;
      downLeft = down;
      down = downRight;
    }
  }
  const inner = ((BLOCK - 2) / 2) * (BLOCK - 2);
  // The next octave: 2×2 means, then the same gradient energy, scaled to the same units.
  const half = BLOCK >> 1;
  const binned = BINNED;
  for (let by = 0; by < half; by++) {
    const row = (top + 2 * by) * stride + left;
    for (let bx = 0; bx < half; bx++) {
      const i = row + 2 * bx;
      binned[by * half + bx] = 0.25 * (luma[i] + luma[i + 1] + luma[i + stride] + luma[i + stride + 1]);
    }
  }
  let coarseEnergy = 0;
  for (let by = 0; by < half - 1; by++) {
    for (let bx = 0; bx < half - 1; bx++) {
      const i = by * half + bx;
      const dx = binned[i + 1] - binned[i];
      const dy = binned[i + half] - binned[i];
      coarseEnergy += dx * dx + dy * dy;
    }
  }
  const fine = fineEnergy / inner;
  // A plain ramp has 4× the energy per step at half resolution: compare like with like.
  const coarse = coarseEnergy / ((half - 1) * (half - 1)) / 4;
  return {
    noise: (Math.sqrt(Math.PI / 2) * immerkaer) / (6 * inner),
    structure: structure / inner,
    fine: Math.log10((fine + 0.05) / (coarse + 0.05)),
    mean: sum / inner,
    repeats: repeats / (2 * inner),
  };
}

/** Steps across the 8-px grid over steps inside it, both directions, over the given blocks. */
function gridBlockiness(luma: Float32Array, stride: number, blocks: Array<[number, number]>): number {
  let across = 0;
  let acrossCount = 0;
  let inside = 0;
  let insideCount = 0;
  for (const [left, top] of blocks) {
    for (let y = top; y < top + BLOCK - 1; y++) {
      const row = y * stride;
      for (let x = left; x < left + BLOCK - 1; x++) {
        const i = row + x;
        const h = mathAbs(luma[i + 1] - luma[i]);
        const v = mathAbs(luma[i + stride] - luma[i]);
        if ((x & 7) === 7) {
          across += h;
          acrossCount++;
        } else {
          inside += h;
          insideCount++;
        }
        if ((y & 7) === 7) {
          across += v;
          acrossCount++;
        } else {
          inside += v;
          insideCount++;
        }
      }
    }
  }
  if (acrossCount === 0 || insideCount === 0) return 1;
  const insideMean = inside / insideCount;
  return (across / acrossCount + 0.05) / (insideMean + 0.05);
}

/** The band's measurements; exported for tests and for the overview-sized case. */
export function measureNative(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Omit<NativeEvidence, 'from' | 'top' | 'jpegQuality'> {
  const luma = lumaOf(data, width * height, channels);
  const blocksX = Math.floor(width / BLOCK);
  const blocksY = Math.floor(height / BLOCK);
  const stats: BlockStats[] = [];
  const positions: Array<[number, number]> = [];
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      stats.push(measureBlock(luma, width, bx * BLOCK, by * BLOCK));
      positions.push([bx * BLOCK, by * BLOCK]);
    }
  }
  if (stats.length === 0) {
    return { width, height, noiseSigma: 0, fineDetail: -0.6, fineDetailMedian: -0.6, repeatShare: 0, blockiness: 1 };
  }
  // Noise: clipped blocks hide grain, so only well-exposed ones; the flattest tenth of those
  // shows grain with the least texture mixed in.
  const exposed = stats.filter((block) => block.mean > 16 && block.mean < 239);
  const noiseSigma = percentileOf(Float64Array.from(exposed.length > 0 ? exposed : stats, (b) => b.noise), 0.1);
  // Fine detail where there is detail at all: the top tenth by structure.
  const byStructure = stats.map((block, index) => ({ block, index })).sort((a, b) => b.block.structure - a.block.structure);
  const detailed = byStructure.slice(0, Math.max(1, Math.ceil(stats.length / 10)));
  const fineDetail = detailed.reduce((sum, entry) => sum + entry.block.fine, 0) / detailed.length;
  const repeatShare = detailed.reduce((sum, entry) => sum + entry.block.repeats, 0) / detailed.length;
  const fineDetailMedian = percentileOf(Float64Array.from(stats, (b) => b.fine), 0.5);
  // Blocking shows in smooth areas: the smoother half, excluding clipped blocks.
  const smooth = byStructure
    .slice(Math.floor(stats.length / 2))
    .filter((entry) => entry.block.mean > 16 && entry.block.mean < 239)
    .map((entry) => positions[entry.index]);
  return {
    width,
    height,
    noiseSigma: Math.round(noiseSigma * 100) / 100,
    fineDetail: Math.round(fineDetail * 1000) / 1000,
    fineDetailMedian: Math.round(fineDetailMedian * 1000) / 1000,
    repeatShare: Math.round(repeatShare * 1000) / 1000,
    blockiness: Math.round(gridBlockiness(luma, width, smooth.length > 0 ? smooth : positions) * 1000) / 1000,
  };
}

async function headerBytes(source: ImageSource): Promise<Uint8Array | null> {
  if (isDecodedPixels(source)) return null;
  return Buffer.isBuffer(source) ? source.subarray(0, JPEG_HEADER_BYTES) : readHead(source, JPEG_HEADER_BYTES);
}

export interface NativeInput {
  source: ImageSource;
  /** The overview: what the band is chosen from, and what is measured when it is the stored size. */
  overview: { data: Uint8Array; width: number; height: number };
  storedWidth: number;
  storedHeight: number;
  /** EXIF orientation of the stored pixels (1 when upright or unknown). */
  orientation: number;
  format: string;
  maxInputPixels: number;
}

/** Reads the 100 % evidence: the JPEG header's tables, and one band of stored rows (or the overview). */
export async function readNativeEvidence(input: NativeInput): Promise<NativeEvidence> {
  const { source, overview, storedWidth, storedHeight } = input;
  const quality = input.format === 'jpeg' ? headerBytes(source).then(qualityOf) : Promise.resolve(null);
  const atStoredSize = overview.width * overview.height >= storedWidth * storedHeight;
  if (atStoredSize) {
    return {
      from: 'overview',
      top: 0,
      jpegQuality: await quality,
      ...measureNative(overview.data, overview.width, overview.height, 3),
    };
  }
  const rows = Math.min(BAND_ROWS, storedHeight);
  const top = chooseBandTop(storedRowDetail(overview, input.orientation), storedHeight, rows);
  const columns = Math.min(BAND_MAX_COLUMNS, storedWidth);
  const left = Math.floor((storedWidth - columns) / 2);
  // The band starts decoding while the header of a file is read, not after.
  const [jpegQuality, { data, info }] = await Promise.all([
    quality,
    openImage(source, input.maxInputPixels)
      .extract({ left, top, width: columns, height: rows })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }),
  ]);
  return { from: 'band', top, jpegQuality, ...measureNative(data, info.width, info.height, info.channels) };
}

const qualityOf = (head: Uint8Array | null): number | null => (head ? estimateJpegQuality(head) : null);
