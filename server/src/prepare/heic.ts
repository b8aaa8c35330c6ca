import { readFile } from 'node:fs/promises';
import type { DecodedPixels } from './source';

/**
 * HEIC/HEIF (HEVC-coded, what iPhones shoot) through libheif compiled to WebAssembly:
 * sharp's prebuilt libvips has no HEVC decoder. Loaded on first use, so servers that never
 * see a HEIC pay nothing. libheif applies the container's rotation and mirroring itself.
 */
export async function decodeHeic(file: string | Buffer): Promise<DecodedPixels> {
  const { default: decode } = await import('heic-decode');
  const buffer = typeof file === 'string' ? await readFile(file) : file;
  const { width, height, data } = await decode({ buffer });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width,
    height,
    channels: 4,
    format: 'heif',
  };
}
