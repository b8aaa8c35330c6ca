/**
 * What the deep head looks at: the CNN's pooled activations for a few 224×224 views of the
 * image. The whole picture squeezed to 224 shows content and composition; crops at the
 * working resolution (≤ 512 px, about what people saw when rating CLIVE) keep the fine
 * detail (blur, noise, compression) that the squeeze would hide.
 */
import sharp from 'sharp';

import type { WorkingImage } from '../../prepare/decode';
import { INPUT_SIZE, type DeepNetwork } from './model';

/** Longest side of the copy crops are cut from; the CLIVE photos the head was fitted on are 500×500. */
export const VIEW_RESOLUTION = 512;

export const VIEW_NAMES = ['whole', 'centre', 'top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** Centre of each crop as a fraction of width and height. */
const CROP_CENTRES: Record<Exclude<ViewName, 'whole'>, [number, number]> = {
  centre: [0.5, 0.5],
  'top-left': [0.25, 0.25],
  'top-right': [0.75, 0.25],
  'bottom-left': [0.25, 0.75],
  'bottom-right': [0.75, 0.75],
};

interface Raster {
  data: Buffer;
  width: number;
  height: number;
}

async function resized(image: Raster, width: number, height: number): Promise<Raster> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width, height, fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The copy crops come from: longest side at most VIEW_RESOLUTION, shortest at least INPUT_SIZE. */
async function cropSource(image: WorkingImage): Promise<Raster> {
  const longest = Math.max(image.width, image.height);
  const shortest = Math.min(image.width, image.height);
  const scale =
    longest > VIEW_RESOLUTION ? VIEW_RESOLUTION / longest : shortest < INPUT_SIZE ? INPUT_SIZE / shortest : 1;
  if (scale === 1) return image;
  const width = Math.max(INPUT_SIZE, Math.round(image.width * scale));
  const height = Math.max(INPUT_SIZE, Math.round(image.height * scale));
  return resized(image, width, height);
}

function crop(source: Raster, [fx, fy]: [number, number]): Buffer {
  const clamp = (centre: number, extent: number) =>
    Math.max(0, Math.min(extent - INPUT_SIZE, Math.round(centre - INPUT_SIZE / 2)));
  const x0 = clamp(source.width * fx, source.width);
  const y0 = clamp(source.height * fy, source.height);
  const rowBytes = INPUT_SIZE * 3;
  const out = Buffer.allocUnsafe(INPUT_SIZE * rowBytes);
  for (let y = 0; y < INPUT_SIZE; y++) {
    const start = ((y0 + y) * source.width + x0) * 3;
    source.data.copy(out, y * rowBytes, start, start + rowBytes);
  }
  return out;
}

/** The 224×224 RGB inputs for `views`, in that order. */
export async function viewsOf(image: WorkingImage, views: readonly ViewName[]): Promise<Buffer[]> {
  const source = views.some((view) => view !== 'whole') ? await cropSource(image) : image;
  return Promise.all(
    views.map(async (view) =>
      view === 'whole' ? (await resized(image, INPUT_SIZE, INPUT_SIZE)).data : crop(source, CROP_CENTRES[view]),
    ),
  );
}

/** How the head's feature vector is laid out; recorded in head.json and checked at load. */
export interface FeatureLayout {
  views: ViewName[];
  /** TAPPED_LAYERS when fitted: pooled means then deviations of each, per view. */
  layers: string[];
}

export interface DeepFeatures {
  /** The views' pooled vectors, concatenated in `layout.views` order. */
  vector: Float64Array;
  /** NSFW class probabilities of the whole image (the view nsfwjs itself classifies). */
  nsfw: Float32Array;
}

export async function extractDeepFeatures(
  network: DeepNetwork,
  image: WorkingImage,
  views: readonly ViewName[],
): Promise<DeepFeatures> {
  const wanted: ViewName[] = views.includes('whole') ? [...views] : ['whole', ...views];
  const output = network.run(await viewsOf(image, wanted));
  const vector = new Float64Array(views.length * network.pooledLength);
  views.forEach((view, index) => vector.set(output.pooled[wanted.indexOf(view)], index * network.pooledLength));
  return { vector, nsfw: output.nsfw[wanted.indexOf('whole')] };
}
