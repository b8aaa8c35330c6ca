/**
 * A JPEG's quality, read from its own quantisation tables: free (a few hundred header bytes,
 * no pixels), and decisive where pixels are weakest: at 12 MP, recompression to quality 20
 * is invisible in a 512 px overview, but its tables say exactly what was thrown away.
 *
 * The estimate is the IJG scaling that would turn the standard luminance table (ITU T.81
 * Annex K, table K.1) into the file's own: S = mean over the 64 coefficients of
 * 100·Q/Q_std, quality = (200 − S)/2 for S ≤ 100 and 5000/S above (libjpeg's
 * `jpeg_quality_scaling`, inverted). Encoders with their own tables (phones, Photoshop) get
 * the IJG quality of equal average coarseness, which is what matters here.
 */

/** Table K.1, in natural (row-major) order. */
const STANDARD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

/** DQT stores coefficients in zigzag order: ZIGZAG[k] is the natural index of the k-th. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];

/** How far into a file the tables may sit: after EXIF (≤ 64 KB), XMP and ICC segments. */
export const JPEG_HEADER_BYTES = 256 * 1024;

/** The luminance table (id 0) in natural order, or null when the bytes hold none before the scan. */
export function luminanceTable(bytes: Uint8Array): number[] | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    // Fill bytes and stand-alone markers carry no length.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // start of scan / end: no table came first
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    const end = offset + 2 + length;
    if (length < 2 || end > bytes.length) return null;
    if (marker === 0xdb) {
      let position = offset + 4;
      while (position < end) {
        const precision = bytes[position] >> 4;
        const id = bytes[position] & 0x0f;
        const size = precision === 0 ? 64 : 128;
        if (position + 1 + size > end) return null;
        if (id === 0) {
          const table = new Array<number>(64);
          for (let k = 0; k < 64; k++) {
            const value =
              precision === 0 ? bytes[position + 1 + k] : (bytes[position + 1 + 2 * k] << 8) | bytes[position + 2 + 2 * k];
            table[ZIGZAG[k]] = value;
          }
          return table;
        }
        position += 1 + size;
      }
    }
    offset = end;
  }
  return null;
}

/** IJG-equivalent quality 1–100 of a luminance table in natural order. */
export function qualityOfTable(table: readonly number[]): number {
  // Baseline tables clip at 255, which would read quality 5 as 9: judge by the unclipped ones.
  const unclipped = table.map((_, i) => i).filter((i) => table[i] < 255);
  const used = unclipped.length >= 8 ? unclipped : table.map((_, i) => i);
  let scaling = 0;
  for (const i of used) scaling += (100 * Math.max(1, table[i])) / STANDARD_LUMINANCE[i];
  scaling /= used.length;
  const quality = scaling <= 100 ? (200 - scaling) / 2 : 5000 / scaling;
  return Math.round(Math.min(100, Math.max(1, quality)) * 10) / 10;
}

/** The JPEG's quality from its header bytes, or null for anything that is not a JPEG with tables. */
export function estimateJpegQuality(head: Uint8Array): number | null {
  const table = luminanceTable(head);
  return table ? qualityOfTable(table) : null;
}
