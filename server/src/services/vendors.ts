import { performance } from 'node:perf_hooks';
import type { Core } from '@strapi/strapi';
import { resolveConfig, type PluginConfig } from '../config';
import { encodeForVendor, UnfitForVendorError } from '../prepare/for-vendor';
import type { ImageSource } from '../prepare/source';
import { VENDORS, type VendorId } from '../scorers/vendors';
import type { ScorerOutcome } from '../scorers/types';
import { createBreaker } from '../vendor-http/breaker';
import { createBudget } from '../vendor-http/budget';
import { instantiateVendor, type CommonVendorOptions, type VendorDefinition } from '../vendor-http/define';
import { VendorError } from '../vendor-http/errors';
import { createResultCache } from '../vendor-http/result-cache';
import type { VendorImage, VendorScorer, VendorVerdict } from '../vendor-http/types';

/** How long a vendor that reported its quota spent is left alone before it is tried again. */
const QUOTA_SUSPENSION_MS = 60 * 60 * 1000;

/** The upload as the vendors need it: where its pixels are, its upright size, its hash. */
export interface VendorInput {
  source: ImageSource;
  width: number;
  height: number;
  sha256: string;
  /** One encoding per vendor image spec, shared by the vendors of one upload. */
  encodings: Map<string, Promise<VendorImage>>;
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;

const deadlinePassed = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    const fail = () => reject(new VendorError('deadline', 'timeout', 'the upload deadline passed'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });

function createVendorState(id: VendorId, config: PluginConfig) {
  const settings = config.vendors[id] as CommonVendorOptions;
  const definition = VENDORS[id] as unknown as VendorDefinition<CommonVendorOptions>;
  return {
    id,
    weight: settings.weight,
    scorer: instantiateVendor(definition, settings) as VendorScorer,
    breaker: createBreaker(config.breaker),
    budget: createBudget(config.budgets[id] ?? {}),
    cache: createResultCache<VendorVerdict>({ ttlMs: config.cacheTtlHours * 3_600_000, maxEntries: 10_000 }),
    lastError: null as null | { at: string; message: string; kind: string },
    suspended: null as null | { until: number; reason: string },
  };
}

type VendorState = ReturnType<typeof createVendorState>;

/**
 * The configured vendors with what keeps them affordable and out of the way when they fail:
 * a result cache by image hash, request budgets, a circuit breaker, and suspension when a
 * vendor says its quota is spent.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = resolveConfig(strapi.config.get('plugin::photo-score'));
  const states = new Map<VendorId, VendorState>(
    config.scorers.filter((id): id is VendorId => id !== 'local').map((id) => [id, createVendorState(id, config)]),
  );

  const skipReason = (state: VendorState, now = Date.now()): string | undefined => {
    if (state.suspended && state.suspended.until > now) return `suspended: ${state.suspended.reason}`;
    if (!state.breaker.allows(now)) return 'circuit open after repeated failures';
    return state.budget.exhausted();
  };

  const recordFailure = (state: VendorState, error: unknown) => {
    const kind = error instanceof VendorError ? error.kind : 'error';
    const message = error instanceof Error ? error.message : String(error);
    state.lastError = { at: new Date().toISOString(), message, kind };
    if (kind === 'quota') state.suspended = { until: Date.now() + QUOTA_SUSPENSION_MS, reason: message };
    // Failures that say nothing about the vendor's health (a refused image) leave the breaker alone.
    if (error instanceof VendorError && (error.retryable || kind === 'invalid-response')) state.breaker.recordFailure();
    strapi.log.warn(`[photo-score] ${message}`);
    return { kind, message };
  };

  const encodingFor = (state: VendorState, input: VendorInput): Promise<VendorImage> => {
    const key = JSON.stringify(state.scorer.image);
    let encoding = input.encodings.get(key);
    if (!encoding) {
      encoding = encodeForVendor(input.source, input, state.scorer.image, input.sha256, config.maxInputPixels);
      input.encodings.set(key, encoding);
    }
    return encoding;
  };

  return {
    weightOf: (id: string): number => (id === 'local' ? config.localWeight : (states.get(id as VendorId)?.weight ?? 1)),

    async run(id: VendorId, input: VendorInput, signal: AbortSignal): Promise<ScorerOutcome> {
      const started = performance.now();
      const state = states.get(id);
      if (!state) return { scorer: id, ok: false, durationMs: 0, error: `${id} is not configured`, kind: 'skipped' };
      const cached = state.cache.get(input.sha256);
      if (cached)
        return {
          scorer: id,
          ok: true,
          durationMs: elapsed(started),
          version: 'vendor',
          dimensions: {},
          ...cached,
          cached: true,
        };
      const skipped = skipReason(state);
      if (skipped)
        return { scorer: id, ok: false, durationMs: 0, error: `${id}: skipped (${skipped})`, kind: 'skipped' };

      try {
        const image = await encodingFor(state, input);
        state.budget.spend();
        const verdict = await Promise.race([state.scorer.score(image, signal), deadlinePassed(signal)]);
        state.breaker.recordSuccess();
        state.cache.set(input.sha256, verdict);
        return { scorer: id, ok: true, durationMs: elapsed(started), version: 'vendor', dimensions: {}, ...verdict };
      } catch (error) {
        const reason =
          error instanceof UnfitForVendorError
            ? { kind: 'rejected', message: `${id}: ${error.message}` }
            : recordFailure(state, error);
        return { scorer: id, ok: false, durationMs: elapsed(started), error: reason.message, kind: reason.kind };
      }
    },

    /** Each configured vendor's state for admins; never any credential. */
    async status({ withUsage }: { withUsage: boolean }, signal: AbortSignal) {
      const now = Date.now();
      return Promise.all(
        [...states.values()].map(async (state) => ({
          id: state.id,
          enabled: true,
          skipped: skipReason(state, now) ?? null,
          breaker: state.breaker.state(now),
          budget: state.budget.state(),
          suspended:
            state.suspended && state.suspended.until > now
              ? { ...state.suspended, until: new Date(state.suspended.until).toISOString() }
              : null,
          lastError: state.lastError,
          usage:
            withUsage && state.scorer.usage
              ? await state.scorer.usage(signal).catch((error: unknown) => ({
                  error: error instanceof Error ? error.message : String(error),
                }))
              : null,
        })),
      );
    },
  };
};
