import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { runtimeSettingsSchema, type RuntimeSettings } from '../../../shared/contracts/settings';
import { VENDOR_IDS, vendorConfigSections } from '../scorers/vendors';
import { DEFAULT_MODERATION_THRESHOLDS } from '../scorers/deep/nsfw';
import { assertDeepPackages } from '../scorers/deep/packages';
import { DEFAULT_TARGET_MEGAPIXELS } from '../scorers/local/size';

const threshold = z.number().min(0).max(100).nullable();

/** What an admin may change at run time (persisted in the plugin store): shared with the admin. */
export { runtimeSettingsSchema, type RuntimeSettings };

const budgetSchema = z
  .object({ perDay: z.number().int().positive().optional(), perMonth: z.number().int().positive().optional() })
  .strict();

export const pluginConfigSchema = z
  .object({
    rejectBelow: threshold,
    flagBelow: threshold,
    onScorerError: z.enum(['accept', 'reject']),
    /** What a reviewer's "reject" does to the file: keep it as `rejected` (`mark`) or delete it. */
    reviewReject: z.enum(['mark', 'delete']).default('mark'),
    /** Images above this many pixels are refused before decoding (decompression bombs). */
    maxInputPixels: z.number().int().positive(),
    /** Longest side, in pixels, of the copy the embedded scorer looks at. */
    workingSize: z.number().int().min(64).max(2048),
    /** Which scorers run, in order: `local` and/or vendor ids. */
    scorers: z
      .array(z.enum(['local', ...VENDOR_IDS]))
      .min(1)
      .default(['local']),
    /** How their scores become one: the first that succeeds, the weighted mean of those that did, or the lowest. */
    strategy: z.enum(['fallback', 'weighted', 'min']).default('fallback'),
    /** Weight of the embedded scorer in the `weighted` strategy (vendors carry their own `weight`). */
    localWeight: z.number().positive().default(1),
    /** No upload waits longer than this for vendors; what has not answered by then counts as failed. */
    deadlineMs: z.number().int().positive().default(20_000),
    /**
     * Logos, icons, screenshots, charts and illustrations (scorers/content.ts): `skip` stores
     * them untouched with status `skipped`, no threshold refusing them; `score` judges them as
     * photos. Either way `photoScoreDetails.content` says which it was.
     */
    graphics: z.enum(['skip', 'score']).default('skip'),
    /**
     * `photoScoreDetails` (thresholds, decisions, vendors' raw answers, NSFW probabilities) is
     * private: left out of the content API (REST, GraphQL, populated media fields, webhooks) and
     * read by admins only. `true` serves it to whoever may read the file. `photoScore`,
     * `photoScoreClass` and `photoScoreStatus` are public either way, for ranking.
     */
    publicDetails: z.boolean().default(false),
    /** What an NSFW verdict (a vendor's, or the embedded scorer's with `local.moderation`) does to an upload. */
    nsfw: z.enum(['reject', 'flag', 'ignore']).default('ignore'),
    /**
     * The embedded scorer: `fast` (hand-crafted measurements, a few ms) or `deep` (MobileNetV2
     * features and a learned head, ≈ 0.1 s per image, loads a CNN once per process), and the
     * offline NSFW check with the same network, off by default because it loads the CNN.
     */
    local: z
      .object({
        mode: z.enum(['fast', 'deep']).default('fast'),
        moderation: z.boolean().default(false),
        /**
         * The probability of the strongest single unsafe class from which an image is `nsfw`
         * (Porn or Hentai) or `suggestive` (Sexy, Porn or Hentai), and what either needs on a
         * blurred or badly exposed photo; see scorers/deep/nsfw.ts.
         */
        moderationThresholds: z
          .object({
            nsfw: z.number().min(0).max(1).default(DEFAULT_MODERATION_THRESHOLDS.nsfw),
            suggestive: z.number().min(0).max(1).default(DEFAULT_MODERATION_THRESHOLDS.suggestive),
            /** What either level needs at least on a blurred or badly exposed photo; 0 turns the guard off. */
            lowDetail: z.number().min(0).max(1).default(DEFAULT_MODERATION_THRESHOLDS.lowDetail),
          })
          .strict()
          .default(DEFAULT_MODERATION_THRESHOLDS),
        /**
         * Megapixels from which size costs the embedded score nothing; below it 2.5 points per
         * halving of the pixel count (scorers/local/size.ts). Default 2: a media library shows
         * photos at 1–2 MP, 2 MP fills a full-HD screen.
         */
        targetMegapixels: z.number().min(0.1).max(100).default(DEFAULT_TARGET_MEGAPIXELS),
        /**
         * Worker threads the embedded scorer runs in, off Strapi's event loop (scorers/pool.ts).
         * Each costs ≈ 80 MB, ≈ 240–290 MB with its own copy of the CNN (`deep`, `moderation`);
         * default 1, which leaves a 2-core machine one core for Strapi.
         */
        threads: z.number().int().min(1).max(16).default(1),
      })
      .strict()
      .default({
        mode: 'fast',
        moderation: false,
        moderationThresholds: DEFAULT_MODERATION_THRESHOLDS,
        targetMegapixels: DEFAULT_TARGET_MEGAPIXELS,
        threads: 1,
      }),
    /** How long a vendor's verdict on an image (by sha256) is reused instead of paid for again. */
    cacheTtlHours: z
      .number()
      .positive()
      .default(24 * 30),
    breaker: z
      .object({
        failureThreshold: z.number().int().positive().default(5),
        coolDownMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .default({ failureThreshold: 5, coolDownMs: 60_000 }),
    /**
     * `sync` (default): an upload is scored before it is stored, and a refused one is never
     * stored. `async`: it is stored at once as `pending` and scored by a background job; one
     * under `rejectBelow` then becomes `rejected`, kept (`asyncReject: 'mark'`) or deleted
     * (`'delete'`).
     */
    mode: z.enum(['sync', 'async']).default('sync'),
    asyncReject: z.enum(['mark', 'delete']).default('mark'),
    /**
     * Background work (backfills, async uploads), worked by every Strapi process: `concurrency`
     * jobs at once per process; a process that dies gives its jobs back after about `leaseMs`
     * (its lease, or BullMQ's lock, runs out); `pollMs`: how often an idle worker looks for work
     * (the database engine) and how often a process re-reads which backfills run.
     */
    jobs: z
      .object({
        concurrency: z.number().int().min(1).max(16).default(1),
        pollMs: z.number().int().min(10).max(60_000).default(1_000),
        leaseMs: z
          .number()
          .int()
          .min(1_000)
          .default(5 * 60_000),
      })
      .strict()
      .default({ concurrency: 1, pollMs: 1_000, leaseMs: 5 * 60_000 }),
    /**
     * Redis for the job engine: with it, BullMQ carries the background jobs, so any number of
     * Strapi processes on one database share them, and each vendor's rate and concurrency limit
     * holds across all of them (jobs/bullmq-engine.ts). Without it jobs are database rows
     * (jobs/database-engine.ts) and no other service is needed. `prefix` namespaces the keys,
     * so several sites (or test files) can share one Redis.
     */
    queue: z
      .object({
        connection: z
          .object({
            host: z.string().min(1).default('127.0.0.1'),
            port: z.number().int().min(1).max(65_535).default(6379),
            username: z.string().min(1).optional(),
            password: z.string().min(1).optional(),
            db: z.number().int().min(0).optional(),
            /** TLS to the Redis server (managed Redis services). */
            tls: z.boolean().default(false),
          })
          .strict(),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
          .default('photo-score'),
      })
      .strict()
      .optional(),
    /** Paid requests allowed per vendor, per UTC day and month. */
    budgets: z.partialRecord(z.enum(VENDOR_IDS), budgetSchema).default({}),
    vendors: z.object(vendorConfigSections).strict().default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    config.scorers.forEach((id, index) => {
      if (id !== 'local' && !config.vendors[id]?.enabled) {
        ctx.addIssue({
          code: 'custom',
          path: ['scorers', index],
          message: `"${id}" is listed but vendors.${id} is missing or not enabled`,
        });
      }
    });
  });

export type PluginConfig = z.infer<typeof pluginConfigSchema>;

export const defaultConfig: z.input<typeof pluginConfigSchema> = {
  rejectBelow: null,
  flagBelow: null,
  onScorerError: 'accept',
  // Today's phones take 108 and 200 MP photos; a decompression bomb declares far more.
  maxInputPixels: 250_000_000,
  workingSize: 512,
};

const parsedConfigs = new WeakMap<Core.Strapi, PluginConfig>();

/**
 * The plugin's config with every default filled in, parsed once per Strapi instance (the
 * validator below has already refused a bad one at boot). The only place the plugin reads it.
 */
export function pluginConfig(strapi: Core.Strapi): PluginConfig {
  let config = parsedConfigs.get(strapi);
  if (!config) {
    config = pluginConfigSchema.parse(strapi.config.get('plugin::photo-score'));
    parsedConfigs.set(strapi, config);
  }
  return config;
}

/** Formats zod issues as `key: message` lines so a bad config names what to fix. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');

export default {
  default: defaultConfig,
  validator(config: unknown): void {
    const result = pluginConfigSchema.safeParse(config);
    if (!result.success) {
      throw new Error(`Invalid config for plugin photo-score: ${describeIssues(result.error)}`);
    }
    const thresholds = runtimeSettingsSchema.safeParse({
      rejectBelow: result.data.rejectBelow,
      flagBelow: result.data.flagBelow,
      onScorerError: result.data.onScorerError,
      reviewReject: result.data.reviewReject,
    });
    if (!thresholds.success) {
      throw new Error(`Invalid config for plugin photo-score: ${describeIssues(thresholds.error)}`);
    }
    const { mode, moderation } = result.data.local;
    if (mode === 'deep') assertDeepPackages("local.mode: 'deep'");
    else if (moderation) assertDeepPackages('local.moderation: true');
  },
};
