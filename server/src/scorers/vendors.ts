import { aiImageRating } from './ai-image-rating';
import { alibabaImm } from './alibaba-imm';
import { everypixel } from './everypixel';
import { imagga } from './imagga';
import { photoilike } from './photoilike';

/** Every vendor adapter, by the id used in config (`vendors.<id>`, `scorers: [...]`). */
export const VENDORS = {
  photoilike,
  everypixel,
  'ai-image-rating': aiImageRating,
  imagga,
  'alibaba-imm': alibabaImm,
} as const;

export type VendorId = keyof typeof VENDORS;
export const VENDOR_IDS = Object.keys(VENDORS) as VendorId[];

/** Vendors that add tags, colours and moderation but no quality score: they run beside the score chain. */
export const ENRICHERS: ReadonlySet<VendorId> = new Set(['imagga']);
