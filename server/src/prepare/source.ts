import sharp, { type Sharp } from 'sharp';

/** Pixels decoded outside sharp (HEIC through libheif), already upright. */
export interface DecodedPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
  /** The container they came from, for the record. */
  format: string;
}

/** Where an image's pixels come from: a file, encoded bytes, or pixels decoded elsewhere. */
export type ImageSource = string | Buffer | DecodedPixels;

export const isDecodedPixels = (source: ImageSource): source is DecodedPixels =>
  typeof source === 'object' && !Buffer.isBuffer(source);

/** A sharp pipeline over any source, with the same safety limits everywhere. */
export function openImage(source: ImageSource, limitInputPixels: number): Sharp {
  if (isDecodedPixels(source)) {
    const { data, width, height, channels } = source;
    return sharp(data, { raw: { width, height, channels }, limitInputPixels });
  }
  // 'error' stops on corrupt or truncated pixel data but tolerates the harmless warnings
  // (e.g. "extraneous bytes before marker") that many camera JPEGs trigger and that
  // sharp's default 'warning' level would reject although every viewer shows them fine.
  return sharp(source, { failOn: 'error', limitInputPixels });
}

export const describeSource = (source: ImageSource): string =>
  typeof source === 'string'
    ? source
    : isDecodedPixels(source)
      ? `${source.width}×${source.height} ${source.format} pixels`
      : `buffer of ${source.length} bytes`;
