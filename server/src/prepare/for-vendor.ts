import type { VendorImage, VendorImageSpec } from '../vendor-http/types';
import { openImage, type ImageSource } from './source';

const MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
const EXT = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;
const QUALITIES = [85, 75, 65];
const SHRINK_STEP = 0.75;

export class UnfitForVendorError extends Error {
  override name = 'UnfitForVendorError';
}

/** Output size: longer side within maxLongSide, shorter side kept at minShortSide where the original has it. */
export function targetSize(width: number, height: number, spec: VendorImageSpec): { width: number; height: number } {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  let scale = Math.min(1, spec.maxLongSide / long);
  if (spec.minShortSide && short * scale < spec.minShortSide) scale = Math.min(1, spec.minShortSide / short);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Re-encodes an upload for one vendor: upright, scaled per the spec, in the first format it
 * accepts, inside its byte limits (lower quality, then smaller, when too big; higher quality,
 * then lossless, when a vendor demands a minimum size).
 */
export async function encodeForVendor(
  source: ImageSource,
  oriented: { width: number; height: number },
  spec: VendorImageSpec,
  sha256: string,
  limitInputPixels: number,
): Promise<VendorImage> {
  const format = spec.formats[0];
  let size = targetSize(oriented.width, oriented.height, spec);

  const encode = async (quality: number, lossless = false) => {
    const pipeline = openImage(source, limitInputPixels)
      .autoOrient()
      .resize({ width: size.width, height: size.height, fit: 'fill' })
      .removeAlpha();
    const chosen = lossless && spec.formats.includes('png') ? 'png' : format;
    const output =
      chosen === 'png' ? pipeline.png() : chosen === 'webp' ? pipeline.webp({ quality }) : pipeline.jpeg({ quality });
    return { bytes: await output.toBuffer(), format: chosen };
  };

  let encoded = await encode(QUALITIES[0]);
  for (let attempt = 0; encoded.bytes.length > spec.maxBytes; attempt++) {
    if (attempt < QUALITIES.length - 1) {
      encoded = await encode(QUALITIES[attempt + 1]);
    } else {
      size = {
        width: Math.max(1, Math.round(size.width * SHRINK_STEP)),
        height: Math.max(1, Math.round(size.height * SHRINK_STEP)),
      };
      if (size.width < 64 || size.height < 64)
        throw new UnfitForVendorError(`cannot fit the image within ${spec.maxBytes} bytes`);
      encoded = await encode(QUALITIES[QUALITIES.length - 1]);
    }
  }
  if (spec.minBytes && encoded.bytes.length < spec.minBytes) encoded = await encode(95);
  if (spec.minBytes && encoded.bytes.length < spec.minBytes) encoded = await encode(100, true);
  if (spec.minBytes && encoded.bytes.length < spec.minBytes) {
    throw new UnfitForVendorError(
      `the image is too small for this vendor: ${encoded.bytes.length} bytes at best, it needs at least ${spec.minBytes}`,
    );
  }
  return {
    bytes: encoded.bytes,
    format: encoded.format,
    mime: MIME[encoded.format],
    ext: EXT[encoded.format],
    width: size.width,
    height: size.height,
    sha256,
  };
}
