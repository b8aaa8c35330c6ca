/**
 * Hand-crafted no-reference quality measurements over the raw RGB pixels of a WorkingImage.
 *
 * Everything here is plain TypeScript over typed arrays (no sharp calls) and makes a handful
 * of linear passes over the image, so a 512×512 image takes about 15 ms: the point of the
 * embedded scorer is to cost little more than decoding the upload.
 *
 * Two outputs:
 * - `raw`: the numbers the fitted regressor consumes (names are the contract with model.json);
 * - `dimensions`: human-facing 0–100 readings (higher = better) for the admin UI and CLI.
 */
import type { WorkingImage } from '../../prepare/decode';
import { resolutionReading } from './size';

export const DIMENSION_NAMES = [
  'sharpness',
  'exposure',
  'contrast',
  'colourfulness',
  'saturation',
  'noise',
  'compression',
  'resolution',
] as const;
export type DimensionName = (typeof DIMENSION_NAMES)[number];
export type Dimensions = Record<DimensionName, number>;

export interface ImageFeatures {
  raw: Record<string, number>;
  dimensions: Dimensions;
  /** Mean colour on the opponent axes, for measureMonochrome (the colour pass already summed it). */
  meanOpponent: OpponentMean;
}

/** Mean of r − g and of (r + g)/2 − b over the image, in 8-bit levels. */
export interface OpponentMean {
  rg: number;
  yb: number;
}

/** A luminance plane in 0–255 (gamma-encoded, as displayed). */
interface Plane {
  values: Float32Array;
  width: number;
  height: number;
}

// ---------------------------------------------------------------------------------------------
// Small numeric helpers

// Module-level bindings for the Math functions used in per-pixel loops: where the global
// object is a vm context's (jest), every `Math.x(…)` is a slow global lookup (~100× slower
// loops); a local binding is as fast as plain Node everywhere.
const {
  min: mathMin,
  max: mathMax,
  abs: mathAbs,
  sqrt: mathSqrt,
  floor: mathFloor,
  sign: mathSign,
  fround: mathFround,
} = Math;

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

function clamp100(value: number): number {
  return Math.round(clamp(value, 0, 100));
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Value below which `fraction` of a 256-bin histogram's mass lies. */
function histogramPercentile(histogram: Uint32Array, total: number, fraction: number): number {
  const target = fraction * total;
  let cumulative = 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    cumulative += histogram[bin];
    if (cumulative >= target) return bin;
  }
  return histogram.length - 1;
}

/** Number of samples in bins low…high inclusive. */
function histogramCount(histogram: Uint32Array, low: number, high: number): number {
  let total = 0;
  for (let bin = mathMax(0, low); bin <= mathMin(histogram.length - 1, high); bin++) total += histogram[bin];
  return total;
}

function sortedPercentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  const position = clamp(fraction, 0, 1) * (sorted.length - 1);
  const below = mathFloor(position);
  const above = mathMin(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7); accurate to ~1e-13, ample for moment matching. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

// ---------------------------------------------------------------------------------------------
// Generalised Gaussian fits (BRISQUE, Mittal et al. 2012), by moment matching against a table

const SHAPE_MIN = 0.2;
const SHAPE_STEP = 0.001;
const SHAPE_COUNT = 9801; // shapes 0.2 … 10.0

/** ρ(α) = Γ(2/α)² / (Γ(1/α)Γ(3/α)), increasing in α; built once on first use. */
let shapeRatioTable: Float64Array | undefined;
function shapeRatios(): Float64Array {
  if (shapeRatioTable) return shapeRatioTable;
  const table = new Float64Array(SHAPE_COUNT);
  for (let i = 0; i < SHAPE_COUNT; i++) {
    const alpha = SHAPE_MIN + i * SHAPE_STEP;
    table[i] = Math.exp(2 * logGamma(2 / alpha) - logGamma(1 / alpha) - logGamma(3 / alpha));
  }
  shapeRatioTable = table;
  return table;
}

/** Shape α whose ρ(α) is closest to `ratio` (binary search on the increasing table). */
function shapeForRatio(ratio: number): number {
  const table = shapeRatios();
  let low = 0;
  let high = SHAPE_COUNT - 1;
  if (!(ratio > table[low])) return SHAPE_MIN;
  if (ratio >= table[high]) return SHAPE_MIN + high * SHAPE_STEP;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (table[middle] < ratio) low = middle;
    else high = middle;
  }
  const nearest = ratio - table[low] < table[high] - ratio ? low : high;
  return SHAPE_MIN + nearest * SHAPE_STEP;
}

/** Sums over a sample that the (asymmetric) generalised Gaussian fits need. */
interface SignedMoments {
  leftSquares: number;
  leftCount: number;
  rightSquares: number;
  rightCount: number;
  absolute: number;
}

/** Symmetric fit: shape α and variance σ². */
function fitGgd(moments: SignedMoments): { shape: number; variance: number } {
  const count = moments.leftCount + moments.rightCount;
  const variance = count > 0 ? (moments.leftSquares + moments.rightSquares) / count : 0;
  if (variance <= 0) return { shape: 2, variance: 0 };
  const meanAbsolute = moments.absolute / count;
  return { shape: shapeForRatio((meanAbsolute * meanAbsolute) / variance), variance };
}

/** Asymmetric fit: shape α, mean η, left and right variances. */
function fitAggd(moments: SignedMoments): { shape: number; mean: number; leftVariance: number; rightVariance: number } {
  const count = moments.leftCount + moments.rightCount;
  const leftVariance = moments.leftCount > 0 ? moments.leftSquares / moments.leftCount : 0;
  const rightVariance = moments.rightCount > 0 ? moments.rightSquares / moments.rightCount : 0;
  if (count === 0 || leftVariance <= 0 || rightVariance <= 0) {
    return { shape: 2, mean: 0, leftVariance, rightVariance };
  }
  const secondMoment = (moments.leftSquares + moments.rightSquares) / count;
  const leftSigma = mathSqrt(leftVariance);
  const rightSigma = mathSqrt(rightVariance);
  const gammaHat = leftSigma / rightSigma;
  const meanAbsolute = moments.absolute / count;
  const rHat = (meanAbsolute * meanAbsolute) / secondMoment;
  const corrected = (rHat * (gammaHat ** 3 + 1) * (gammaHat + 1)) / (gammaHat * gammaHat + 1) ** 2;
  const shape = shapeForRatio(corrected);
  const spread = Math.exp(0.5 * (logGamma(1 / shape) - logGamma(3 / shape)));
  const mean = (rightSigma - leftSigma) * spread * Math.exp(logGamma(2 / shape) - logGamma(1 / shape));
  return { shape, mean, leftVariance, rightVariance };
}

/** Neighbour pairs of MSCN coefficients whose products BRISQUE models. */
const PAIR_NAMES = ['H', 'V', 'D1', 'D2'] as const;

/**
 * Signed moments of the products of each coefficient with its right, lower, lower-right
 * neighbours and of the right with the lower one (horizontal, vertical, both diagonals),
 * for coefficients on every other row and column: a quarter of the pixels moves the fitted
 * moments very little and costs a quarter. One pass serves all four pairs.
 */
function neighbourProductMoments(values: Float32Array, width: number, height: number): SignedMoments[] {
  // Per pair: Σ negative², Σ all², Σ |·|, Σ sign.
  const sums = new Float64Array(16);
  let count = 0;
  for (let y = 0; y < height - 1; y += 2) {
    let hNeg = 0,
      hAll = 0,
      hAbs = 0,
      hSign = 0;
    let vNeg = 0,
      vAll = 0,
      vAbs = 0,
      vSign = 0;
    let dNeg = 0,
      dAll = 0,
      dAbs = 0,
      dSign = 0;
    let aNeg = 0,
      aAll = 0,
      aAbs = 0,
      aSign = 0;
    let rowCount = 0;
    const row = y * width;
    for (let i = row; i < row + width - 1; i += 2) {
      const centre = values[i],
        right = values[i + 1],
        below = values[i + width],
        belowRight = values[i + width + 1];
      const h = centre * right,
        v = centre * below,
        d = centre * belowRight,
        a = right * below;
      const hn = mathMin(h, 0),
        vn = mathMin(v, 0),
        dn = mathMin(d, 0),
        an = mathMin(a, 0);
      // Σ sign instead of counting negatives: branch-free, and the signs of noise are random.
      hNeg += hn * hn;
      hAll += h * h;
      hAbs += mathAbs(h);
      hSign += mathSign(h);
      vNeg += vn * vn;
      vAll += v * v;
      vAbs += mathAbs(v);
      vSign += mathSign(v);
      dNeg += dn * dn;
      dAll += d * d;
      dAbs += mathAbs(d);
      dSign += mathSign(d);
      aNeg += an * an;
      aAll += a * a;
      aAbs += mathAbs(a);
      aSign += mathSign(a);
      rowCount++;
    }
    sums[0] += hNeg;
    sums[1] += hAll;
    sums[2] += hAbs;
    sums[3] += hSign;
    sums[4] += vNeg;
    sums[5] += vAll;
    sums[6] += vAbs;
    sums[7] += vSign;
    sums[8] += dNeg;
    sums[9] += dAll;
    sums[10] += dAbs;
    sums[11] += dSign;
    sums[12] += aNeg;
    sums[13] += aAll;
    sums[14] += aAbs;
    sums[15] += aSign;
    count += rowCount;
  }
  return PAIR_NAMES.map((_, pair) => {
    const base = pair * 4;
    const negatives = (count - sums[base + 3]) / 2;
    return {
      leftSquares: sums[base],
      leftCount: negatives,
      rightSquares: sums[base + 1] - sums[base],
      rightCount: count - negatives,
      absolute: sums[base + 2],
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Planes

/**
 * Local mean/deviation window for MSCN: the 5-tap binomial [1 4 6 4 1]/16 (a Gaussian of
 * σ = 1), close to BRISQUE's 7-tap σ = 7/6 window at two thirds of the cost.
 */
const BINOMIAL_5 = Float32Array.from([1, 4, 6, 4, 1].map((weight) => weight / 16));

/** Tap of the binomial at an image edge, replicating the border pixel. */
function edgeTap(plane: Float32Array, base: number, position: number, limit: number, stride: number): number {
  let sum = 0;
  for (let t = 0; t < 5; t++) sum += BINOMIAL_5[t] * plane[base + clamp(position + t - 2, 0, limit - 1) * stride];
  return sum;
}

/**
 * Scratch planes reused from image to image: allocating the ~6 MB of temporaries per image
 * afresh made garbage collection a visible share of the cost. Safe because extractFeatures
 * is synchronous (no two calls overlap) and every user overwrites the part it reads.
 */
const scratchPlanes = new Map<string, Float32Array>();
function scratch(slot: string, length: number): Float32Array {
  let plane = scratchPlanes.get(slot);
  if (!plane || plane.length < length) {
    plane = new Float32Array(length);
    scratchPlanes.set(slot, plane);
  }
  return plane.subarray(0, length);
}

/**
 * The row pass of the local mean and local mean of squares (edges replicated): it blurs the
 * plane and its squares together, so the squares are never stored. normaliseContrast does
 * the column pass.
 */
function rowMoments(plane: Plane): { rowMean: Float32Array; rowSquares: Float32Array } {
  const { values, width, height } = plane;
  const count = width * height;
  const rowMean = scratch('rowMean', count);
  const rowSquares = scratch('rowSquares', count);
  const k0 = BINOMIAL_5[0],
    k1 = BINOMIAL_5[1],
    k2 = BINOMIAL_5[2];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (x >= 2 && x < width - 2) {
        const i = row + x;
        const a = values[i - 2],
          b = values[i - 1],
          c = values[i],
          d = values[i + 1],
          e = values[i + 2];
        rowMean[i] = k0 * (a + e) + k1 * (b + d) + k2 * c;
        rowSquares[i] = k0 * (a * a + e * e) + k1 * (b * b + d * d) + k2 * c * c;
      } else {
        let mean = 0,
          squares = 0;
        for (let t = 0; t < 5; t++) {
          const value = values[row + clamp(x + t - 2, 0, width - 1)];
          mean += BINOMIAL_5[t] * value;
          squares += BINOMIAL_5[t] * value * value;
        }
        rowMean[row + x] = mean;
        rowSquares[row + x] = squares;
      }
    }
  }
  return { rowMean, rowSquares };
}

/** Column pass of the binomial blur, edges replicated. */
function blurColumns(source: Float32Array, width: number, height: number, out: Float32Array): void {
  const k0 = BINOMIAL_5[0],
    k1 = BINOMIAL_5[1],
    k2 = BINOMIAL_5[2];
  const w2 = 2 * width;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y >= 2 && y < height - 2) {
      for (let i = row; i < row + width; i++) {
        out[i] = k0 * (source[i - w2] + source[i + w2]) + k1 * (source[i - width] + source[i + width]) + k2 * source[i];
      }
    } else {
      for (let x = 0; x < width; x++) out[row + x] = edgeTap(source, x, y, height, width);
    }
  }
}

/** 2×2 box average: the next octave for multi-scale measurements. */
function halve(plane: Plane): Plane {
  const width = mathMax(1, plane.width >> 1);
  const height = mathMax(1, plane.height >> 1);
  const values = new Float32Array(width * height);
  const source = plane.values;
  const stride = plane.width;
  if (plane.width < 2 || plane.height < 2) {
    values.fill(source[0] ?? 0);
    return { values, width, height };
  }
  for (let y = 0; y < height; y++) {
    const top = 2 * y * stride;
    const bottom = top + stride;
    for (let x = 0; x < width; x++) {
      const left = 2 * x;
      values[y * width + x] =
        0.25 * (source[top + left] + source[top + left + 1] + source[bottom + left] + source[bottom + left + 1]);
    }
  }
  return { values, width, height };
}

// ---------------------------------------------------------------------------------------------
// Measurement groups

interface ColourStats {
  luma: Plane;
  meanOpponent: OpponentMean;
  lumaHistogram: Uint32Array;
  meanLuma: number;
  lumaStd: number;
  colourfulness: number;
  meanSaturation: number;
  /** Share of pixels with a channel pinned at the top or bottom while strongly saturated. */
  saturatedClip: number;
  highlightClip: number;
  shadowClip: number;
}

/** 1/v for channel values v (0 ↦ 0): HSV saturation (max − min)/max without a division. */
const RECIPROCAL_OF_CHANNEL = Float64Array.from({ length: 256 }, (_, value) => (value > 0 ? 1 / value : 0));

// Slots of the running sums filled by the colour pass.
const SUM_LUMA = 0,
  SUM_LUMA2 = 1,
  SUM_RG = 2,
  SUM_RG2 = 3,
  SUM_YB = 4,
  SUM_YB2 = 5;
const SUM_SATURATION = 6,
  SATURATED_CLIP = 7,
  SUM_SLOTS = 8;

/**
 * The per-pixel colour pass, kept apart from the arithmetic that follows it: V8 optimises a
 * small function holding just the hot loop far better than one long function (which it
 * enters through on-stack replacement and then deoptimises at the untouched tail).
 */
function accumulateColour(data: Uint8Array, count: number, luma: Float32Array, histogram: Uint32Array): Float64Array {
  let sumLuma = 0,
    sumLuma2 = 0,
    sumRg = 0,
    sumRg2 = 0,
    sumYb = 0,
    sumYb2 = 0;
  let sumSaturation = 0,
    saturatedClip = 0;
  for (let p = 0, i = 0; p < count; p++, i += 3) {
    const r = data[i],
      g = data[i + 1],
      b = data[i + 2];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    luma[p] = y;
    histogram[y | 0]++;
    sumLuma += y;
    sumLuma2 += y * y;
    const rg = r - g;
    const yb = 0.5 * (r + g) - b;
    sumRg += rg;
    sumRg2 += rg * rg;
    sumYb += yb;
    sumYb2 += yb * yb;
    const max = mathMax(mathMax(r, g), b);
    const min = mathMin(mathMin(r, g), b);
    const saturation = (max - min) * RECIPROCAL_OF_CHANNEL[max];
    sumSaturation += saturation;
    // Test the rare clipped channel first: the branch then predicts well on any content.
    if ((max >= 254 || min <= 1) && saturation > 0.8) saturatedClip++;
  }
  const sums = new Float64Array(SUM_SLOTS);
  sums[SUM_LUMA] = sumLuma;
  sums[SUM_LUMA2] = sumLuma2;
  sums[SUM_RG] = sumRg;
  sums[SUM_RG2] = sumRg2;
  sums[SUM_YB] = sumYb;
  sums[SUM_YB2] = sumYb2;
  sums[SUM_SATURATION] = sumSaturation;
  sums[SATURATED_CLIP] = saturatedClip;
  return sums;
}

/** One pass over RGB: luma plane and histogram, Hasler–Süsstrunk colourfulness, HSV saturation. */
function measureColour(image: WorkingImage): ColourStats {
  const { data, width, height } = image;
  const count = width * height;
  const luma = scratch('luma', count);
  const histogram = new Uint32Array(256);
  const sums = accumulateColour(data, count, luma, histogram);
  const meanRg = sums[SUM_RG] / count,
    meanYb = sums[SUM_YB] / count;
  const stdRg = mathSqrt(mathMax(0, sums[SUM_RG2] / count - meanRg * meanRg));
  const stdYb = mathSqrt(mathMax(0, sums[SUM_YB2] / count - meanYb * meanYb));
  const meanLuma = sums[SUM_LUMA] / count;
  return {
    luma: { values: luma, width, height },
    meanOpponent: { rg: meanRg, yb: meanYb },
    lumaHistogram: histogram,
    meanLuma,
    lumaStd: mathSqrt(mathMax(0, sums[SUM_LUMA2] / count - meanLuma * meanLuma)),
    colourfulness: Math.hypot(stdRg, stdYb) + 0.3 * Math.hypot(meanRg, meanYb),
    meanSaturation: sums[SUM_SATURATION] / count,
    saturatedClip: sums[SATURATED_CLIP] / count,
    // Counted from the histogram rather than per pixel (fewer data-dependent branches).
    highlightClip: histogramCount(histogram, 250, 255) / count,
    shadowClip: histogramCount(histogram, 0, 5) / count,
  };
}

function histogramEntropy(histogram: Uint32Array, total: number): number {
  let entropy = 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    if (histogram[bin] === 0) continue;
    const p = histogram[bin] / total;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const TILE_GRID = 8;
const NOISE_BLOCK = 16;

interface DetailStats {
  /** log10(1 + variance of the 4-neighbour Laplacian). */
  laplacianLog: number;
  /** Laplacian energy relative to luma variance: blur lowers it independent of contrast. */
  laplacianRelativeLog: number;
  /** log10 Laplacian energy of the sharpest tiles (subject in focus, background may be soft). */
  tileSharpnessP90: number;
  tileSharpnessP50: number;
  tileSharpnessP10: number;
  /** Focus map: the sharpest tile, and the share of tiles nearly as sharp (how much is in focus). */
  tileSharpnessMax: number;
  sharpTileShare: number;
  /** Strong-edge gradient magnitude relative to the tonal range. */
  edgeStrengthP99: number;
  edgeStrengthP90: number;
  edgeDensity: number;
  /** Immerkær noise σ (0–255 units) estimated on the flattest blocks. */
  noiseSigma: number;
  /** The same, counting in each block only what its coarse structure cannot explain (see grainOf). */
  grainSigma: number;
  /** Mean squared forward difference: the energy at the finest scale. */
  gradientEnergy: number;
}

/** Per-region sums the detail pass fills in. */
interface DetailAccumulators {
  /** Sum of squared Laplacian and pixel count per tile of the TILE_GRID×TILE_GRID grid. */
  tileLaplacian: Float64Array;
  tileCount: Uint32Array;
  /** Sum of |Immerkær response| and pixel count per NOISE_BLOCK² block. */
  blockNoise: Float64Array;
  blockCount: Uint32Array;
  blocksX: number;
  /** Histogram of |∂x| + |∂y| (central differences), 0–511. */
  gradientHistogram: Uint32Array;
}

/** Lookup from a coordinate to its cell index, so the hot loop does no division. */
function cellIndex(length: number, cellOf: (position: number) => number): Uint16Array {
  const cells = new Uint16Array(length);
  for (let position = 0; position < length; position++) cells[position] = cellOf(position);
  return cells;
}

/**
 * The hot loop of measureDetail; returns [Σ Laplacian, Σ Laplacian², interior pixels,
 * Σ squared forward differences].
 */
function accumulateDetail(luma: Plane, sums: DetailAccumulators): Float64Array {
  const { values, width, height } = luma;
  const { tileLaplacian, tileCount, blockNoise, blockCount, blocksX, gradientHistogram } = sums;
  const blocksY = blockNoise.length / blocksX;
  const tileColumn = cellIndex(width, (x) => mathMin(TILE_GRID - 1, mathFloor((x * TILE_GRID) / width)));
  const tileRow = cellIndex(height, (y) => mathMin(TILE_GRID - 1, mathFloor((y * TILE_GRID) / height)) * TILE_GRID);
  const blockColumn = cellIndex(width, (x) => mathMin(blocksX - 1, mathFloor(mathMax(0, x - 1) / NOISE_BLOCK)));
  const blockRow = cellIndex(height, (y) => mathMin(blocksY - 1, mathFloor(mathMax(0, y - 1) / NOISE_BLOCK)) * blocksX);
  let laplacianSum = 0,
    laplacianSquares = 0,
    interior = 0,
    forwardEnergy = 0;

  for (let y = 1; y < height - 1; y++) {
    const tileBase = tileRow[y];
    const blockBase = blockRow[y];
    // A 3×3 window slides along the row: each step loads only its new column.
    const start = y * width;
    let upLeft = values[start - width],
      up = values[start - width + 1],
      left = values[start],
      centre = values[start + 1],
      downLeft = values[start + width],
      down = values[start + width + 1];
    for (let x = 1, i = start + 1; x < width - 1; x++, i++) {
      const upRight = values[i - width + 1],
        right = values[i + 1],
        downRight = values[i + width + 1];
      const laplacian = left + right + up + down - 4 * centre;
      const energy = laplacian * laplacian;
      laplacianSum += laplacian;
      laplacianSquares += energy;
      interior++;
      const tile = tileBase + tileColumn[x];
      tileLaplacian[tile] += energy;
      tileCount[tile]++;

      const forwardX = right - centre,
        forwardY = down - centre;
      forwardEnergy += forwardX * forwardX + forwardY * forwardY;
      const gradient = mathAbs(right - left) + mathAbs(down - up);
      gradientHistogram[mathMin(511, gradient | 0)]++;

      // Immerkær (1996): [1 -2 1; -2 4 -2; 1 -2 1] cancels linear ramps and leaves noise.
      const corners = upLeft + upRight + downLeft + downRight;
      const response = corners - 2 * (left + right + up + down) + 4 * centre;
      const block = blockBase + blockColumn[x];
      blockNoise[block] += mathAbs(response);
      blockCount[block]++;
      upLeft = up;
      up = upRight;
      left = centre;
      centre = right;
      downLeft = down;
      down = downRight;
    }
  }
  return Float64Array.of(laplacianSum, laplacianSquares, interior, forwardEnergy);
}

/**
 * Laplacian, gradients and the Immerkær noise operator in one pass over the interior.
 * Tiles give a sharpness reading that tolerates shallow depth of field; noise is taken
 * from the quietest blocks, where the second-derivative operator sees little structure.
 */
function measureDetail(luma: Plane, quarter: Plane, lumaVariance: number, tonalRange: number): DetailStats {
  const { width, height } = luma;
  const blocksX = mathMax(1, mathFloor((width - 2) / NOISE_BLOCK));
  const blocksY = mathMax(1, mathFloor((height - 2) / NOISE_BLOCK));
  const sums: DetailAccumulators = {
    tileLaplacian: new Float64Array(TILE_GRID * TILE_GRID),
    tileCount: new Uint32Array(TILE_GRID * TILE_GRID),
    blockNoise: new Float64Array(blocksX * blocksY),
    blockCount: new Uint32Array(blocksX * blocksY),
    blocksX,
    gradientHistogram: new Uint32Array(512),
  };
  const [laplacianSum, laplacianSquares, interior, forwardEnergy] = accumulateDetail(luma, sums);
  // Edge pixels: gradient above a tenth of the tonal range, counted from the histogram.
  const edges = histogramCount(sums.gradientHistogram, mathFloor(mathMax(8, 0.1 * tonalRange)) + 1, 511);
  const { tileLaplacian, tileCount, blockNoise, blockCount, gradientHistogram } = sums;

  if (interior === 0) {
    return {
      laplacianLog: 0,
      laplacianRelativeLog: -3,
      tileSharpnessP90: 0,
      tileSharpnessP50: 0,
      tileSharpnessP10: 0,
      tileSharpnessMax: 0,
      sharpTileShare: 0,
      edgeStrengthP99: 0,
      edgeStrengthP90: 0,
      edgeDensity: 0,
      noiseSigma: 0,
      grainSigma: 0,
      gradientEnergy: 0,
    };
  }

  const laplacianMean = laplacianSum / interior;
  const laplacianVariance = mathMax(0, laplacianSquares / interior - laplacianMean * laplacianMean);

  const tileEnergies = new Float64Array(TILE_GRID * TILE_GRID);
  let tiles = 0;
  for (let t = 0; t < tileEnergies.length; t++) {
    if (tileCount[t] > 0) tileEnergies[tiles++] = Math.log10(1 + tileLaplacian[t] / tileCount[t]);
  }
  const sortedTiles = tileEnergies.subarray(0, tiles).sort();
  const sharpest = tiles > 0 ? sortedTiles[tiles - 1] : 0;
  let nearlySharpest = 0;
  for (let t = 0; t < tiles; t++) if (sortedTiles[t] >= sharpest - 0.5) nearlySharpest++;

  const noiseScale = mathSqrt(Math.PI / 2) / 6;
  const blockSigmas = new Float64Array(blockNoise.length);
  for (let b = 0; b < blockNoise.length; b++) {
    blockSigmas[b] = blockCount[b] > 0 ? (noiseScale * blockNoise[b]) / blockCount[b] : 0;
  }
  const grains = grainOf(blockSigmas, blockStructure(quarter, blocksX, blocksY));
  blockSigmas.sort();

  const range = tonalRange + 10;
  return {
    laplacianLog: Math.log10(1 + laplacianVariance),
    laplacianRelativeLog: Math.log10((laplacianVariance + 1) / (lumaVariance + 100)),
    tileSharpnessP90: sortedPercentile(sortedTiles, 0.9),
    tileSharpnessP50: sortedPercentile(sortedTiles, 0.5),
    tileSharpnessP10: sortedPercentile(sortedTiles, 0.1),
    tileSharpnessMax: sharpest,
    sharpTileShare: tiles > 0 ? nearlySharpest / tiles : 0,
    edgeStrengthP99: histogramPercentile(gradientHistogram, interior, 0.99) / range,
    edgeStrengthP90: histogramPercentile(gradientHistogram, interior, 0.9) / range,
    edgeDensity: edges / interior,
    // The quietest blocks still hold some texture in most photos; the 15th percentile keeps
    // a single flat sky patch from hiding sensor noise elsewhere.
    noiseSigma: sortedPercentile(blockSigmas, 0.15),
    grainSigma: sortedPercentile(grains.sort(), 0.15),
    gradientEnergy: forwardEnergy / interior,
  };
}

/**
 * Mean |∂x| + |∂y| of the quarter-scale plane under each NOISE_BLOCK² block of the full
 * plane: structure that survives 4× averaging, which pixel noise (σ/4 there) barely does.
 */
function blockStructure(quarter: Plane, blocksX: number, blocksY: number): Float64Array {
  const { values, width, height } = quarter;
  const structure = new Float64Array(blocksX * blocksY);
  const span = NOISE_BLOCK / 4;
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      let sum = 0,
        count = 0;
      for (let y = by * span; y < mathMin(height - 1, (by + 1) * span); y++) {
        for (let x = bx * span; x < mathMin(width - 1, (bx + 1) * span); x++) {
          const i = y * width + x;
          sum += mathAbs(values[i + 1] - values[i]) + mathAbs(values[i + width] - values[i]);
          count++;
        }
      }
      structure[by * blocksX + bx] = count > 0 ? sum / count : 0;
    }
  }
  return structure;
}

/**
 * Pure noise of σ leaves about GRAIN_STRUCTURE_RATIO·σ of quarter-scale structure; texture
 * (foliage, gravel, fabric) leaves far more. A block's fine residual counts as grain only in
 * proportion, so a crisp, finely textured photo is not called noisy.
 */
const GRAIN_STRUCTURE_RATIO = 0.6;

function grainOf(blockSigmas: Float64Array, structure: Float64Array): Float64Array {
  const grains = new Float64Array(blockSigmas.length);
  for (let b = 0; b < grains.length; b++) {
    const sigma = blockSigmas[b];
    const noiseLike = (GRAIN_STRUCTURE_RATIO * sigma + 0.5) / (structure[b] + 0.5);
    grains[b] = sigma * mathMin(1, noiseLike);
  }
  return grains;
}

/** Mean squared forward difference: how much energy a plane holds at its finest scale. */
function gradientEnergy(plane: Plane): number {
  const { values, width, height } = plane;
  let sum = 0,
    count = 0;
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const i = y * width + x;
      const dx = values[i + 1] - values[i];
      const dy = values[i + width] - values[i];
      sum += dx * dx + dy * dy;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Writes MSCN coefficients (I − μ) / (σ + 1) into `out`; returns the sum of local σ. μ and
 * the local mean of squares come from the column pass over rowMoments' planes, done here per
 * pixel (rounded to float32 as a stored plane would be) so that neither is written out.
 */
function normaliseContrast(plane: Plane, rowMean: Float32Array, rowSquares: Float32Array, out: Float32Array): number {
  const { values, width, height } = plane;
  const k0 = BINOMIAL_5[0],
    k1 = BINOMIAL_5[1],
    k2 = BINOMIAL_5[2];
  const w2 = 2 * width;
  let deviationSum = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y >= 2 && y < height - 2) {
      for (let i = row; i < row + width; i++) {
        const mean = mathFround(
          k0 * (rowMean[i - w2] + rowMean[i + w2]) + k1 * (rowMean[i - width] + rowMean[i + width]) + k2 * rowMean[i],
        );
        const meanOfSquares = mathFround(
          k0 * (rowSquares[i - w2] + rowSquares[i + w2]) +
            k1 * (rowSquares[i - width] + rowSquares[i + width]) +
            k2 * rowSquares[i],
        );
        const deviation = mathSqrt(mathMax(0, meanOfSquares - mean * mean));
        deviationSum += deviation;
        out[i] = (values[i] - mean) / (deviation + 1);
      }
    } else {
      for (let x = 0; x < width; x++) {
        const mean = mathFround(edgeTap(rowMean, x, y, height, width));
        const meanOfSquares = mathFround(edgeTap(rowSquares, x, y, height, width));
        const deviation = mathSqrt(mathMax(0, meanOfSquares - mean * mean));
        deviationSum += deviation;
        out[row + x] = (values[row + x] - mean) / (deviation + 1);
      }
    }
  }
  return deviationSum;
}

/**
 * Moments of every other coefficient (the distribution, not the positions, matters) for the
 * symmetric fit, which needs no split by sign.
 */
function coefficientMoments(values: Float32Array): SignedMoments {
  let allSquares = 0,
    absolute = 0,
    count = 0;
  for (let i = 0; i < values.length; i += 2) {
    const value = values[i];
    allSquares += value * value;
    absolute += mathAbs(value);
    count++;
  }
  // fitGgd only reads the totals, so the whole sample is booked on the right.
  return { leftSquares: 0, leftCount: 0, rightSquares: allSquares, rightCount: count, absolute };
}

interface NaturalSceneStats {
  features: Record<string, number>;
  /** Mean local standard deviation (0–255): average local contrast. */
  meanLocalDeviation: number;
}

/**
 * BRISQUE-style natural scene statistics on mean-subtracted, contrast-normalised (MSCN)
 * coefficients: distortions (blur, noise, compression) change the shape of their
 * distribution and of the products of neighbouring coefficients.
 */
function measureNaturalScene(plane: Plane, prefix: string): NaturalSceneStats {
  const { width, height } = plane;
  const { rowMean, rowSquares } = rowMoments(plane);
  const mscn = scratch('mscn', width * height);
  const deviationSum = normaliseContrast(plane, rowMean, rowSquares, mscn);

  const features: Record<string, number> = {};
  const coefficients = fitGgd(coefficientMoments(mscn));
  features[`${prefix}Shape`] = coefficients.shape;
  features[`${prefix}Variance`] = coefficients.variance;
  neighbourProductMoments(mscn, width, height).forEach((moments, pair) => {
    const fit = fitAggd(moments);
    const name = `${prefix}${PAIR_NAMES[pair]}`;
    features[`${name}Shape`] = fit.shape;
    features[`${name}Mean`] = fit.mean;
    features[`${name}LeftVariance`] = fit.leftVariance;
    features[`${name}RightVariance`] = fit.rightVariance;
  });
  return { features, meanLocalDeviation: deviationSum / (width * height) };
}

/**
 * JPEG blockiness: JPEG's 8×8 grid shows as stronger steps between every 8th column/row.
 * Measured as the strongest of the eight column (and row) phases over the median phase, so
 * rotation or cropping that shifts the grid does not matter. Only meaningful when the image
 * was decoded at its stored size; resizing smears the grid, so callers pass 1 (none) then.
 */
function blockiness(plane: Plane): number {
  const { values, width, height } = plane;
  if (width < 32 || height < 32) return 1;
  const columnPhase = new Float64Array(8);
  const rowPhase = new Float64Array(8);
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const i = y * width + x;
      columnPhase[x & 7] += mathAbs(values[i + 1] - values[i]);
      rowPhase[y & 7] += mathAbs(values[i + width] - values[i]);
    }
  }
  const peakOverMedian = (phases: Float64Array): number => {
    const sorted = Float64Array.from(phases).sort();
    const median = 0.5 * (sorted[3] + sorted[4]);
    return median > 0 ? sorted[7] / median : 1;
  };
  return 0.5 * (peakOverMedian(columnPhase) + peakOverMedian(rowPhase));
}

/** Binomial blur of a plane (edges replicated) into the scratch plane `slot`. */
function blurPlane(plane: Plane, slot: string): Float32Array {
  const { values, width, height } = plane;
  const rows = scratch('blurRows', values.length);
  const k0 = BINOMIAL_5[0],
    k1 = BINOMIAL_5[1],
    k2 = BINOMIAL_5[2];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      rows[i] =
        x >= 2 && x < width - 2
          ? k0 * (values[i - 2] + values[i + 2]) + k1 * (values[i - 1] + values[i + 1]) + k2 * values[i]
          : edgeTap(values, row, x, width, 1);
    }
  }
  const out = scratch(slot, values.length);
  blurColumns(rows, width, height, out);
  return out;
}

const GMLOG_BINS = 8;
/** Upper edge of the last regular bin of the normalised responses; larger values share the last bin. */
const GMLOG_RANGE = 1.6;

/**
 * Joint statistics of gradient magnitude and Laplacian of Gaussian (Xue et al., "Blind image
 * quality assessment using joint statistics of gradient magnitude and Laplacian features",
 * IEEE TIP 2014): both responses are divided by their joint local energy, quantised, and
 * described by their marginal distributions and by how each depends on the other. Blur,
 * noise and compression move these in characteristic ways.
 */
function measureGradientLog(plane: Plane, prefix: string): Record<string, number> {
  const { width, height } = plane;
  const smooth = blurPlane(plane, 'gmlogSmooth');
  const count = width * height;
  // Only the interior is written; the border of `energy` must read as zero when blurred.
  const gradient = scratch('gmlogGradient', count);
  const laplacian = scratch('gmlogLaplacian', count);
  const energy = scratch('gmlogEnergy', count).fill(0);
  for (let y = 1; y < height - 1; y++) {
    for (let i = y * width + 1; i < y * width + width - 1; i++) {
      const left = smooth[i - 1],
        right = smooth[i + 1],
        up = smooth[i - width],
        down = smooth[i + width];
      const dx = 0.5 * (right - left),
        dy = 0.5 * (down - up);
      const g = mathSqrt(dx * dx + dy * dy);
      const l = left + right + up + down - 4 * smooth[i];
      gradient[i] = g;
      laplacian[i] = l;
      energy[i] = g * g + l * l;
    }
  }
  const localEnergy = blurPlane({ values: energy, width, height }, 'gmlogLocalEnergy');
  const joint = new Float64Array(GMLOG_BINS * GMLOG_BINS);
  const scale = GMLOG_BINS / GMLOG_RANGE;
  let samples = 0;
  for (let y = 2; y < height - 2; y++) {
    for (let i = y * width + 2; i < y * width + width - 2; i++) {
      const norm = 1 / (mathSqrt(localEnergy[i]) + 0.2);
      const g = mathMin(GMLOG_BINS - 1, (gradient[i] * norm * scale) | 0);
      const l = mathMin(GMLOG_BINS - 1, (mathAbs(laplacian[i]) * norm * scale) | 0);
      joint[g * GMLOG_BINS + l]++;
      samples++;
    }
  }
  const features: Record<string, number> = {};
  const total = mathMax(1, samples);
  for (let m = 0; m < GMLOG_BINS; m++) {
    let gradientMarginal = 0,
      laplacianMarginal = 0,
      gradientGivenLaplacian = 0,
      laplacianGivenGradient = 0;
    for (let n = 0; n < GMLOG_BINS; n++) {
      gradientMarginal += joint[m * GMLOG_BINS + n];
      laplacianMarginal += joint[n * GMLOG_BINS + m];
    }
    for (let n = 0; n < GMLOG_BINS; n++) {
      let laplacianColumn = 0,
        gradientRow = 0;
      for (let k = 0; k < GMLOG_BINS; k++) {
        laplacianColumn += joint[k * GMLOG_BINS + n];
        gradientRow += joint[n * GMLOG_BINS + k];
      }
      if (laplacianColumn > 0) gradientGivenLaplacian += joint[m * GMLOG_BINS + n] / laplacianColumn;
      if (gradientRow > 0) laplacianGivenGradient += joint[n * GMLOG_BINS + m] / gradientRow;
    }
    features[`${prefix}Gradient${m}`] = gradientMarginal / total;
    features[`${prefix}Laplacian${m}`] = laplacianMarginal / total;
    features[`${prefix}GradientGivenLaplacian${m}`] = gradientGivenLaplacian / GMLOG_BINS;
    features[`${prefix}LaplacianGivenGradient${m}`] = laplacianGivenGradient / GMLOG_BINS;
  }
  return features;
}

const ENTROPY_TILE = 16;
const ENTROPY_LEVELS = 32;

/**
 * Local entropy: Shannon entropy of 32-level luma histograms in 16×16 tiles. Flat, blurred
 * or crushed regions carry little; the spread says whether detail is everywhere or nowhere.
 */
function localEntropy(plane: Plane): { mean: number; p10: number; p90: number } {
  const { values, width, height } = plane;
  const tilesX = mathFloor(width / ENTROPY_TILE);
  const tilesY = mathFloor(height / ENTROPY_TILE);
  if (tilesX === 0 || tilesY === 0) return { mean: 0, p10: 0, p90: 0 };
  const entropies = new Float64Array(tilesX * tilesY);
  const histogram = new Uint16Array(ENTROPY_LEVELS);
  const pixels = ENTROPY_TILE * ENTROPY_TILE;
  const logOf = Float64Array.from({ length: pixels + 1 }, (_, n) => (n > 0 ? (n / pixels) * Math.log2(n / pixels) : 0));
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      histogram.fill(0);
      for (let y = ty * ENTROPY_TILE; y < (ty + 1) * ENTROPY_TILE; y++) {
        const row = y * width;
        for (let x = tx * ENTROPY_TILE; x < (tx + 1) * ENTROPY_TILE; x++) histogram[(values[row + x] * 0.125) | 0]++;
      }
      let entropy = 0;
      for (let level = 0; level < ENTROPY_LEVELS; level++) entropy -= logOf[histogram[level]];
      entropies[ty * tilesX + tx] = entropy;
    }
  }
  let sum = 0;
  for (let t = 0; t < entropies.length; t++) sum += entropies[t];
  entropies.sort();
  return { mean: sum / entropies.length, p10: sortedPercentile(entropies, 0.1), p90: sortedPercentile(entropies, 0.9) };
}

// ---------------------------------------------------------------------------------------------
// Black and white (and toned) photos.

/** How far the colours of an image stray from a single tint, for telling black-and-white prints apart. */
export interface MonochromeStats {
  /** Chroma of the mean colour, in levels: how far the image as a whole leans off grey. */
  meanChroma: number;
  /**
   * At least 95 % of the pixels lie within MONOCHROME_OFF_TINT levels (truncated) of the
   * image's mean tint, the half-line from grey through the mean chroma (opponent axes r − g
   * and (r + g)/2 − b): greyscale and sepia or other toned prints (one hue, any strength)
   * read ≈ 0, a second hue tens of levels. Judged as a black-and-white photo.
   */
  monochrome: boolean;
}

/**
 * At most this many levels of chroma off the image's one tint in 95 % of the pixels, and the
 * photo is monochrome. Chosen on clive-dev: its greyscale and sepia copies read 0–1 (JPEG and
 * WebP chroma noise included), none of its 581 colour photos reads under 3 (the lowest: night
 * fireworks, a marble colonnade, a blue dusk scene; the median is 28).
 */
export const MONOCHROME_OFF_TINT = 2;

/** The mean opponent colour, for callers without extractFeatures' (one pass over the RGB bytes). */
function opponentMeanOf(image: WorkingImage): OpponentMean {
  const { data } = image;
  const count = image.width * image.height;
  let sumA = 0,
    sumB = 0;
  for (let i = 0; i < count * 3; i += 3) {
    sumA += data[i] - data[i + 1];
    sumB += 0.5 * (data[i] + data[i + 1]) - data[i + 2];
  }
  return { rg: sumA / count, yb: sumB / count };
}

/**
 * One pass over the RGB bytes at most, and for a colour photo usually a small part of one: it
 * stops as soon as more than 5 % of the pixels lie off the tint, which settles the answer.
 */
export function measureMonochrome(image: WorkingImage, mean: OpponentMean = opponentMeanOf(image)): MonochromeStats {
  const { data } = image;
  const count = image.width * image.height;
  const meanChroma = Math.hypot(mean.rg, mean.yb);
  // Unit vector of the tint; a grey image has none, and every pixel's distance is its chroma.
  const ux = meanChroma > 0.5 ? mean.rg / meanChroma : 0,
    uy = meanChroma > 0.5 ? mean.yb / meanChroma : 0;
  // A pixel is near when its distance truncates to at most MONOCHROME_OFF_TINT levels; the
  // photo is monochrome when the near ones reach 95 % (the 95th percentile of the distance).
  const limit = MONOCHROME_OFF_TINT + 1;
  const needed = 0.95 * count;
  let far = 0;
  for (let i = 0; i < count * 3; i += 3) {
    const a = data[i] - data[i + 1];
    const b = 0.5 * (data[i] + data[i + 1]) - data[i + 2];
    // Off the half-line: the distance to it, or to grey when the pixel leans the other way
    // (compared squared: no square root per pixel).
    const near = a * ux + b * uy > 0 ? mathAbs(a * uy - b * ux) < limit : a * a + b * b < limit * limit;
    if (!near && count - ++far < needed) return { meanChroma, monochrome: false };
  }
  return { meanChroma, monochrome: count - far >= needed };
}

// ---------------------------------------------------------------------------------------------
// Human-facing dimensions. Constants were chosen against the spread of these measurements on
// the CLIVE development set so that typical good photos read 60–90 and clear failures < 30.

function sharpnessDimension(tileSharpnessP90: number, laplacianRelativeLog: number): number {
  // tileSharpnessP90 is log10 Laplacian energy of the sharpest tiles; on CLIVE its 5th,
  // 50th and 95th percentiles are ≈ 1.9, 3.0 and 3.8.
  const absolute = logistic((tileSharpnessP90 - 2.6) * 3);
  const relative = logistic((laplacianRelativeLog + 1.2) * 2.5);
  return clamp100(100 * (0.7 * absolute + 0.3 * relative));
}

function exposureDimension(meanLuma: number, highlightClip: number, shadowClip: number): number {
  // Mid-tones around 118 read as well exposed; the further the mean drifts toward black or
  // white, and the more pixels are clipped, the worse.
  const target = 118;
  const drift = meanLuma < target ? (target - meanLuma) / target : (meanLuma - target) / (255 - target);
  const tonal = 1 - drift ** 1.6;
  const clipping = 2.5 * mathMax(0, highlightClip - 0.01) + 1.5 * mathMax(0, shadowClip - 0.02);
  return clamp100(100 * (tonal - clipping));
}

function contrastDimension(lumaStd: number, tonalRange: number): number {
  return clamp100(100 * (0.5 * mathMin(1, lumaStd / 60) + 0.5 * mathMin(1, tonalRange / 210)));
}

function colourfulnessDimension(colourfulness: number): number {
  // Hasler & Süsstrunk: 15 slightly, 33 moderately, 59 quite, 82 highly colourful.
  return clamp100(100 * (1 - Math.exp(-colourfulness / 35)));
}

function saturationDimension(meanSaturation: number, saturatedClip: number): number {
  // Best between washed-out and garish; clipped saturated channels cost extra.
  const ideal = 0.35;
  const distance = meanSaturation < ideal ? (ideal - meanSaturation) / ideal : (meanSaturation - ideal) / (1 - ideal);
  return clamp100(100 * (1 - distance ** 1.3) - 300 * mathMax(0, saturatedClip - 0.005));
}

function noiseDimension(grainSigma: number): number {
  // Grain σ of the quietest blocks at working size, texture discounted: ≈ 0.3 typical.
  return clamp100(100 * Math.exp(-mathMax(0, grainSigma - 0.3) / 1.2));
}

function compressionDimension(blockRatio: number): number {
  // Without a grid the strongest of eight phases still beats the median by a few percent.
  return clamp100(100 * (1 - (blockRatio - 1.08) / 0.7));
}

/**
 * 0 at 0.01 MP (100×100 px), 100 at the target size (default 2 MP) and above, linear in
 * log2(megapixels): 500×500 reads 61, 1 MP 87, 0.14 MP 50 (see size.ts; scoreLocal rereads
 * it against the configured `local.targetMegapixels`).
 */
function resolutionDimension(megapixels: number): number {
  return resolutionReading(megapixels);
}

// ---------------------------------------------------------------------------------------------

/** All measurements for one working image. Pure and deterministic. */
export function extractFeatures(image: WorkingImage): ImageFeatures {
  const { width, height } = image;
  if (width < 1 || height < 1 || image.data.length < width * height * 3) {
    throw new RangeError(`extractFeatures: ${width}×${height} image needs ${width * height * 3} RGB bytes`);
  }
  const colour = measureColour(image);
  const pixelCount = width * height;
  const histogram = colour.lumaHistogram;
  const p2 = histogramPercentile(histogram, pixelCount, 0.02);
  const p98 = histogramPercentile(histogram, pixelCount, 0.98);
  const tonalRange = p98 - p2;
  const lumaVariance = colour.lumaStd * colour.lumaStd;

  const half = halve(colour.luma);
  const quarter = halve(half);
  const detail = measureDetail(colour.luma, quarter, lumaVariance, tonalRange);
  const energyFull = detail.gradientEnergy;
  const energyHalf = gradientEnergy(half);
  const energyQuarter = gradientEnergy(quarter);
  const sceneFull = measureNaturalScene(colour.luma, 'nssFull');
  const sceneHalf = measureNaturalScene(half, 'nssHalf');
  const sceneQuarter = measureNaturalScene(quarter, 'nssQuarter');
  const entropy = localEntropy(colour.luma);

  const decodedAtStoredSize = width === image.originalWidth && height === image.originalHeight;
  const blockRatio = decodedAtStoredSize && image.format === 'jpeg' ? blockiness(colour.luma) : 1;
  const megapixels = (image.originalWidth * image.originalHeight) / 1e6;

  const raw: Record<string, number> = {
    meanLuma: colour.meanLuma / 255,
    lumaStd: colour.lumaStd / 255,
    tonalRange: tonalRange / 255,
    lumaP2: p2 / 255,
    lumaP98: p98 / 255,
    lumaP10: histogramPercentile(histogram, pixelCount, 0.1) / 255,
    lumaP50: histogramPercentile(histogram, pixelCount, 0.5) / 255,
    lumaP90: histogramPercentile(histogram, pixelCount, 0.9) / 255,
    lumaEntropy: histogramEntropy(histogram, pixelCount),
    highlightClip: colour.highlightClip,
    shadowClip: colour.shadowClip,
    colourfulness: colour.colourfulness / 100,
    meanSaturation: colour.meanSaturation,
    saturatedClip: colour.saturatedClip,
    laplacianLog: detail.laplacianLog,
    laplacianRelativeLog: detail.laplacianRelativeLog,
    tileSharpnessP90: detail.tileSharpnessP90,
    tileSharpnessP50: detail.tileSharpnessP50,
    tileSharpnessP10: detail.tileSharpnessP10,
    tileSharpnessMax: detail.tileSharpnessMax,
    sharpTileShare: detail.sharpTileShare,
    edgeStrengthP99: detail.edgeStrengthP99,
    edgeStrengthP90: detail.edgeStrengthP90,
    edgeDensity: detail.edgeDensity,
    // Ratios of gradient energy between octaves describe the spectral slope: blur starves
    // the finest octave, noise inflates it.
    octaveRatioFine: Math.log10((energyFull + 0.01) / (energyHalf + 0.01)),
    octaveRatioCoarse: Math.log10((energyHalf + 0.01) / (energyQuarter + 0.01)),
    noiseLog: Math.log10(0.1 + detail.noiseSigma),
    grainLog: Math.log10(0.1 + detail.grainSigma),
    localContrast: sceneFull.meanLocalDeviation / 255,
    localContrastHalf: sceneHalf.meanLocalDeviation / 255,
    blockiness: blockRatio,
    megapixelsLog: Math.log2(mathMax(1e-6, megapixels)),
    localEntropyMean: entropy.mean,
    localEntropyP10: entropy.p10,
    localEntropyP90: entropy.p90,
    ...sceneFull.features,
    ...sceneHalf.features,
    ...sceneQuarter.features,
    ...measureGradientLog(half, 'gmlogHalf'),
  };

  const dimensions: Dimensions = {
    sharpness: sharpnessDimension(detail.tileSharpnessP90, detail.laplacianRelativeLog),
    exposure: exposureDimension(colour.meanLuma, colour.highlightClip, colour.shadowClip),
    contrast: contrastDimension(colour.lumaStd, tonalRange),
    colourfulness: colourfulnessDimension(colour.colourfulness),
    saturation: saturationDimension(colour.meanSaturation, colour.saturatedClip),
    noise: noiseDimension(detail.grainSigma),
    compression: compressionDimension(blockRatio),
    resolution: resolutionDimension(megapixels),
  };
  return { raw, dimensions, meanOpponent: colour.meanOpponent };
}
