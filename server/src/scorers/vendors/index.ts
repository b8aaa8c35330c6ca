import type { z } from 'zod';
import { aiImageRating } from './ai-image-rating';
import { alibabaImm } from './alibaba-imm';
import { everypixel } from './everypixel';
import { imagga } from './imagga';
import { photoilike } from './photoilike';

/**
 * Every vendor adapter, by the id used in config (`vendors.<id>`, `scorers: [...]`): the one
 * registry. Each adapter says its role, config schema, image spec and how it is created.
 */
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
export const ENRICHERS: ReadonlySet<VendorId> = new Set(VENDOR_IDS.filter((id) => VENDORS[id].role === 'enrichment'));

/** The config section of each vendor (`vendors.<id>`), each optional. */
export const vendorConfigSections = Object.fromEntries(
  VENDOR_IDS.map((id) => [id, VENDORS[id].configSchema.optional()]),
) as { [Id in VendorId]: z.ZodOptional<(typeof VENDORS)[Id]['configSchema']> };
