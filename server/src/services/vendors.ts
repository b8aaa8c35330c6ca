import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { pluginConfig, type PluginConfig } from '../config';
import { getService } from '../get-service';
import { elapsed, errorMessage, type VendorInput } from '../pipeline/score';
import { UnfitForVendorError } from '../prepare/for-vendor';
import type { FeedbackOutcome } from '../../../shared/contracts/files';
import { VENDOR_IDS, VENDORS, type VendorId } from '../scorers/vendors';
import { feedbackFor, isAiImageRatingScorer } from '../scorers/vendors/ai-image-rating';
import type { ScorerOutcome } from '../scorers/types';
import { createBreaker } from '../vendor-http/breaker';
import { instantiateVendor, type CommonVendorOptions, type VendorDefinition } from '../vendor-http/define';
import { VendorError } from '../vendor-http/errors';
import { deferredRateLimit } from '../vendor-http/queue-context';
import type { VendorImage, VendorScorer } from '../vendor-http/types';
import { periodOverBudget } from './vendor-budgets';
import type { VendorRecord } from './vendor-state';

/** How long a vendor that reported its quota spent is left alone before it is tried again, unless an admin resumes it. */
const QUOTA_SUSPENSION_MS = 60 * 60 * 1000;

const deadlinePassed = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    const fail = () => reject(new VendorError('deadline', 'timeout', 'the upload deadline passed'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });

/** Options about how to reach a vendor, not about what it answers. */
const TRANSPORT_OPTIONS = new Set([
  'enabled',
  'weight',
  'timeoutMs',
  'retries',
  'concurrency',
  'ratePerSecond',
  'baseUrl',
]);

/**
 * A fingerprint of the options that shape a vendor's verdicts (Imagga's features and tag threshold,
 * the Alibaba project…), so that changing them is not answered from verdicts cached under the old
 * ones. Credentials and transport options are left out: changing them changes no verdict.
 */
export function verdictVariant(settings: CommonVendorOptions, secretKeys: ReadonlyArray<string>): string {
  const shaping = Object.entries(settings)
    .filter(([key]) => !TRANSPORT_OPTIONS.has(key) && !secretKeys.includes(key))
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 16);
}

function createVendor(id: VendorId, config: PluginConfig) {
  const settings = config.vendors[id] as CommonVendorOptions;
  const definition = VENDORS[id] as unknown as VendorDefinition<CommonVendorOptions>;
  const position = config.scorers.indexOf(id);
  return {
    id,
    enabled: settings.enabled,
    /** 1-based place in `scorers`, or null when the vendor is configured but not in the chain. */
    position: position === -1 ? null : position + 1,
    role: definition.role ?? 'score',
    weight: settings.weight,
    scorer: instantiateVendor(definition, settings) as VendorScorer,
    variant: verdictVariant(settings, definition.secretKeys),
    // In memory on purpose: it is about this process's live connection to the vendor.
    breaker: createBreaker(config.breaker),
    limits: config.budgets[id] ?? {},
  };
}

type Vendor = ReturnType<typeof createVendor>;

/**
 * The configured vendors with what keeps them affordable and out of the way when they fail: a
 * result cache by image hash, request budgets and quota suspensions (all three in the database,
 * shared by every Strapi process on it), and a circuit breaker per process.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = pluginConfig(strapi);
  const vendors = new Map<VendorId, Vendor>(
    VENDOR_IDS.filter((id) => config.vendors[id] !== undefined).map((id) => [id, createVendor(id, config)]),
  );
  const cache = () => getService(strapi, 'vendor-cache');
  const budgets = () => getService(strapi, 'vendor-budgets');
  const state = () => getService(strapi, 'vendor-state');

  /** Why the vendor may not be called now, short of its budget. */
  const blockedBy = (vendor: Vendor, { suspended }: VendorRecord, now = Date.now()): string | undefined => {
    if (suspended) return `suspended until ${suspended.until}: ${suspended.reason}`;
    if (!vendor.breaker.allows(now)) return 'circuit open after repeated failures';
    return undefined;
  };

  const skip = async (vendor: Vendor, reason: string): Promise<ScorerOutcome> => {
    await state().recordSkip(vendor.id, { at: new Date().toISOString(), message: reason });
    return { scorer: vendor.id, ok: false, durationMs: 0, error: `${vendor.id}: skipped (${reason})`, kind: 'skipped' };
  };

  const recordFailure = async (vendor: Vendor, error: unknown) => {
    const kind = error instanceof VendorError ? error.kind : 'error';
    const message = errorMessage(error);
    await state().recordError(vendor.id, { at: new Date().toISOString(), message, kind });
    if (kind === 'quota') await state().suspend(vendor.id, new Date(Date.now() + QUOTA_SUSPENSION_MS), message);
    // Failures that say nothing about the vendor's health (a refused image) leave the breaker alone.
    if (error instanceof VendorError && (error.retryable || kind === 'invalid-response'))
      vendor.breaker.recordFailure();
    strapi.log.warn(`[photo-score] ${message}`);
    return { kind, message };
  };

  const known = (id: string): Vendor => {
    const vendor = vendors.get(id as VendorId);
    if (!vendor) throw new errors.NotFoundError(`No vendor "${id}" is configured`);
    return vendor;
  };

  /** One vendor's state for admins; never a credential. */
  const describe = async (vendor: Vendor, withUsage: boolean, signal: AbortSignal) => {
    const now = Date.now();
    const [record, used] = await Promise.all([state().read(vendor.id, now), budgets().used(vendor.id, new Date(now))]);
    const { perDay, perMonth } = vendor.limits;
    const cost = vendor.scorer.billedRequests;
    const overBudget = periodOverBudget(used, cost, vendor.limits);
    const budgetSpent = overBudget && `${overBudget} budget spent`;
    return {
      id: vendor.id,
      enabled: vendor.enabled,
      position: vendor.position,
      role: vendor.role,
      weight: vendor.weight,
      skipped: blockedBy(vendor, record, now) ?? budgetSpent ?? null,
      breaker: vendor.breaker.state(now),
      budget: { perDay: perDay ?? null, perMonth: perMonth ?? null, ...used, billedRequestsPerImage: cost },
      suspended: record.suspended,
      lastError: record.lastError,
      lastSkip: record.lastSkip,
      usage:
        withUsage && vendor.scorer.usage
          ? await vendor.scorer.usage(signal).catch((error: unknown) => ({ error: errorMessage(error) }))
          : null,
    };
  };

  return {
    async run(id: VendorId, input: VendorInput, signal: AbortSignal): Promise<ScorerOutcome> {
      const started = performance.now();
      const vendor = vendors.get(id);
      if (!vendor) return { scorer: id, ok: false, durationMs: 0, error: `${id} is not configured`, kind: 'skipped' };
      const cacheKey = `${await input.sha256()}.${vendor.variant}`;
      const cached = await cache().get(id, cacheKey);
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
      const blocked = blockedBy(vendor, await state().read(id));
      if (blocked) return skip(vendor, blocked);

      const reservedAt = new Date();
      const overBudget = await budgets().reserve(id, vendor.scorer.billedRequests, vendor.limits, reservedAt);
      if (overBudget) return skip(vendor, overBudget);

      let image: VendorImage;
      try {
        image = await input.encodingFor(vendor.scorer.image);
      } catch (error) {
        // Nothing was sent: the reservation goes back.
        await budgets().refund(id, vendor.scorer.billedRequests, reservedAt);
        const unfit = error instanceof UnfitForVendorError;
        const message = unfit ? `${id}: ${errorMessage(error)}` : errorMessage(error);
        return {
          scorer: id,
          ok: false,
          durationMs: elapsed(started),
          error: message,
          kind: unfit ? 'rejected' : 'error',
        };
      }
      try {
        const verdict = await Promise.race([vendor.scorer.score(image, signal), deadlinePassed(signal)]);
        vendor.breaker.recordSuccess();
        await cache().set(id, cacheKey, verdict, config.cacheTtlHours * 3_600_000);
        return { scorer: id, ok: true, durationMs: elapsed(started), version: 'vendor', dimensions: {}, ...verdict };
      } catch (error) {
        // A 429 the job's queue waits out (the BullMQ engine): the job comes back, and this was
        // neither a failure of the vendor's nor a billed request.
        if (deferredRateLimit()) {
          await budgets().refund(id, vendor.scorer.billedRequests, reservedAt);
          return {
            scorer: id,
            ok: false,
            durationMs: elapsed(started),
            error: errorMessage(error),
            kind: 'rate-limited',
          };
        }
        const reason = await recordFailure(vendor, error);
        return { scorer: id, ok: false, durationMs: elapsed(started), error: reason.message, kind: reason.kind };
      }
    },

    /** Each configured vendor's state for admins, in chain order; never a credential. */
    async status({ withUsage }: { withUsage: boolean }, signal: AbortSignal) {
      const ordered = [...vendors.values()].sort(
        (a, b) => (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER),
      );
      return Promise.all(ordered.map((vendor) => describe(vendor, withUsage, signal)));
    },

    /**
     * A reviewer's decision, sent to each configured vendor that takes feedback and scored this
     * image (AI Image Rating's `/feedback`, by the image hash it answered). Never throws: a
     * failure is logged (the vendor framework keeps credentials out of its messages) and returned.
     */
    async feedback(
      outcomes: ScorerOutcome[],
      decision: 'approve' | 'reject',
      signal: AbortSignal,
    ): Promise<FeedbackOutcome[]> {
      const sent: FeedbackOutcome[] = [];
      for (const outcome of outcomes) {
        const request = feedbackFor(outcome, decision);
        const vendor = request && vendors.get(outcome.scorer as VendorId);
        if (!request || !vendor || !isAiImageRatingScorer(vendor.scorer)) continue;
        try {
          await vendor.scorer.feedback(request, signal);
          sent.push({ vendor: vendor.id, ok: true, error: null, at: new Date().toISOString() });
        } catch (error) {
          const message = errorMessage(error);
          strapi.log.warn(`[photo-score] feedback to ${vendor.id} failed: ${message}`);
          sent.push({ vendor: vendor.id, ok: false, error: message, at: new Date().toISOString() });
        }
      }
      return sent;
    },

    /**
     * After an admin tops up: lifts the quota suspension (for every process) and closes this
     * process's breaker. 404 for a vendor that is not configured.
     */
    async resume(id: string, signal: AbortSignal) {
      const vendor = known(id);
      await state().resume(vendor.id);
      vendor.breaker.reset();
      return describe(vendor, false, signal);
    },
  };
};
