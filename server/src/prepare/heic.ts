import { readFile } from 'node:fs/promises';
import type { DecodedPixels } from './source';

/** What heic-decode's `all` really returns (its typings leave out the sizes and `dispose`). */
type HeifImages = Array<{ width: number; height: number; decode(): Promise<{ data: Uint8ClampedArray }> }> & {
  dispose?: () => void;
};

/** Above the pixel limit: the same words as sharp's, so prepare answers it as a 413 the same way. */
export class HeicTooLargeError extends Error {
  override name = 'HeicTooLargeError';
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    super(`Input image exceeds pixel limit (${width}×${height})`);
  }
}

/**
 * HEIC/HEIF (HEVC-coded, what iPhones shoot) through libheif compiled to WebAssembly:
 * sharp's prebuilt libvips has no HEVC decoder. Loaded on first use, so servers that never
 * see a HEIC pay nothing. libheif applies the container's rotation and mirroring itself.
 * The primary image's size is read from the container before anything is decoded, so a
 * decompression bomb is refused at the cost of parsing its header.
 */
export async function decodeHeic(file: string | Buffer, maxInputPixels: number): Promise<DecodedPixels> {
  const { default: decode } = await import('heic-decode');
  const buffer = typeof file === 'string' ? await readFile(file) : file;
  const images = (await decode.all({ buffer })) as unknown as HeifImages;
  try {
    const [primary] = images;
    if (!primary) throw new Error('HEIF image not found');
    const { width, height } = primary;
    if (width * height > maxInputPixels) {
      throw new HeicTooLargeError(width, height);
    }
    const { data } = await primary.decode();
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width,
      height,
      channels: 4,
      format: 'heif',
    };
  } finally {
    images.dispose?.();
  }
}
