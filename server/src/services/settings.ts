import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { toValidationError } from '../admin-api/validate';
import { pluginConfig, runtimeSettingsSchema, type PluginConfig, type RuntimeSettings } from '../config';

const STORE_KEY = 'settings';

const fromConfig = (config: PluginConfig): RuntimeSettings => ({
  rejectBelow: config.rejectBelow,
  flagBelow: config.flagBelow,
  onScorerError: config.onScorerError,
  reviewReject: config.reviewReject,
});

/**
 * Thresholds and failure policy: `config/plugins` gives the defaults, an admin's saved
 * values in the plugin store override them. Read on every upload so that several
 * Strapi instances sharing one database agree at once.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'photo-score', key: STORE_KEY });
  const defaults = () => fromConfig(pluginConfig(strapi));

  const get = async (): Promise<RuntimeSettings> => {
    const saved = runtimeSettingsSchema.safeParse({ ...defaults(), ...((await store().get({})) as object | null) });
    // A stored value that no longer validates (hand-edited row, older schema) must not
    // stop uploads: fall back to the configured defaults and say so.
    if (!saved.success) {
      strapi.log.warn('[photo-score] stored settings are invalid; using config/plugins defaults');
      return defaults();
    }
    return saved.data;
  };

  let lastRead: { settings: Promise<RuntimeSettings>; at: number } | undefined;

  return {
    get,

    /**
     * The settings as read at most `jobs.pollMs` ago, for background jobs: a backfill sees a
     * threshold change within one poll, as it sees a pause, and does not read the store for
     * every file. An upload reads them fresh (`get`).
     */
    recent(): Promise<RuntimeSettings> {
      if (!lastRead || Date.now() - lastRead.at >= pluginConfig(strapi).jobs.pollMs) {
        const read = { settings: get(), at: Date.now() };
        lastRead = read;
        // A failed read is not kept: the next job reads again.
        read.settings.catch(() => {
          if (lastRead === read) lastRead = undefined;
        });
      }
      return lastRead.settings;
    },

    /** Partial updates are fine; unknown keys and out-of-range values are a 400 naming the field. */
    async set(input: unknown): Promise<RuntimeSettings> {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new errors.ValidationError('body: expected a JSON object of settings');
      }
      const parsed = runtimeSettingsSchema.safeParse({ ...(await get()), ...input });
      if (!parsed.success) throw toValidationError(parsed.error);
      await store().set({ value: parsed.data });
      lastRead = { settings: Promise.resolve(parsed.data), at: Date.now() };
      return parsed.data;
    },
  };
};
