import { PHOTO_SCORE_STATUSES, type PhotoScoreStatus } from '../../shared/contracts/common';
import type { PhotoScoreDetails } from './pipeline/record';

export { PHOTO_SCORE_STATUSES, type PhotoScoreStatus };

/** Columns the plugin adds to `plugin::upload.file`, named so front ends can sort and filter on them. */

export const FILE_UID = 'plugin::upload.file';

export const photoScoreAttributes = {
  photoScore: { type: 'float', min: 0, max: 100, configurable: false },
  photoScoreClass: { type: 'integer', min: 1, max: 5, configurable: false },
  // Rows written around the upload service (imports, data transfer) keep this default.
  photoScoreStatus: { type: 'enumeration', enum: [...PHOTO_SCORE_STATUSES], default: 'unscored', configurable: false },
  // Private unless the config's `publicDetails` says otherwise (register.ts): Strapi's content
  // API sanitizer drops private attributes, the admin API keeps them.
  photoScoreDetails: { type: 'json', configurable: false, private: true },
  // Comma-delimited (",beach,sunset,") so `filters[photoScoreTags][$contains]=,beach,` matches whole tags.
  photoScoreTags: { type: 'text', configurable: false },
  photoScoreColours: { type: 'text', configurable: false },
  photoScoreModeration: { type: 'enumeration', enum: ['safe', 'suggestive', 'nsfw'], configurable: false },
  photoScoreFaces: { type: 'integer', min: 0, configurable: false },
} as const;

export interface PhotoScoreFields {
  photoScore: number | null;
  photoScoreClass: number | null;
  photoScoreStatus: PhotoScoreStatus;
  photoScoreDetails: PhotoScoreDetails;
  photoScoreTags?: string | null;
  photoScoreColours?: string | null;
  photoScoreModeration?: 'safe' | 'suggestive' | 'nsfw' | null;
  photoScoreFaces?: number | null;
}
