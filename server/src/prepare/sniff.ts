import { open } from 'node:fs/promises';

/** Image containers told apart by their first bytes; `null` when none matches. */
export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heif' | 'tiff' | 'bmp' | 'ico' | 'psd' | 'svg';

/** What sharp's prebuilt libvips decodes; HEVC-coded HEIF goes through libheif (prepare/heic.ts), BMP nowhere. */
export const DECODABLE_FORMATS: ReadonlySet<SniffedFormat> = new Set(['jpeg', 'png', 'gif', 'webp', 'avif', 'tiff']);

const HEAD_BYTES = 64;

const startsWith = (head: Buffer, bytes: number[], offset = 0): boolean =>
  bytes.every((byte, i) => head[offset + i] === byte);

const ascii = (head: Buffer, start: number, end: number): string => head.subarray(start, end).toString('latin1');

export function sniffImageFormat(head: Buffer): SniffedFormat | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(head, 0, 4) === 'GIF8') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heif';
    return null;
  }
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(head, 0, 2) === 'BM') return 'bmp';
  if (startsWith(head, [0x00, 0x00, 0x01, 0x00])) return 'ico';
  if (ascii(head, 0, 4) === '8BPS') return 'psd';
  const text = head.toString('utf8').trimStart();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
  return null;
}

/** The first `bytes` bytes of a file (fewer when it is shorter). */
export async function readHead(filepath: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const handle = await open(filepath, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
