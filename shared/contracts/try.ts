/**
 * `POST /photo-score/try` (RBAC `read`): one image, multipart field `file`, through the same
 * pipeline as an upload against today's thresholds; nothing is stored (no file row, no temp
 * file). A file that is not a readable image is a 400 (413 above `maxInputPixels`), as for uploads.
 */
import type { Evidence } from './files';

export const TRY_FIELD = 'file';

export interface TryResult extends Evidence {
  name: string;
  mime: string;
  /** What today's thresholds would do with it as an upload. */
  outcome: 'accept' | 'flag' | 'refuse';
}

export interface TryResponse {
  data: TryResult;
}
