import { performance } from 'node:perf_hooks';
import type { PluginConfig } from '../config';
import type { ContentVerdict } from '../scorers/content';
import { embeddedScorer, offlineModerator } from '../scorers/embedded';
import { embeddedBackend, type Caller } from '../scorers/pool';
import type { Scorer, ScorerOutcome } from '../scorers/types';
import { ENRICHERS, type VendorId } from '../scorers/vendors';
import type { PreparedImage } from './prepare';
import { deadlineSignal } from '../vendor-http/retry';

/** What a vendor needs of a prepared image: its hash (the cache key) and its encodings. */
export type VendorInput = Pick<PreparedImage, 'sha256' | 'encodingFor'>;

/** How the score stage reaches the vendors (the vendors service, with its cache, budgets and breakers). */
export interface VendorGateway {
  run(id: VendorId, input: VendorInput, signal: AbortSignal): Promise<ScorerOutcome>;
}

export const elapsed = (since: number): number => Math.round((performance.now() - since) * 10) / 10;

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function runEmbedded(scorer: Scorer, prepared: PreparedImage): Promise<ScorerOutcome> {
  const started = performance.now();
  try {
    const output = await scorer.score(prepared.image);
    return { scorer: scorer.id, ok: true, durationMs: elapsed(started), ...output };
  } catch (error) {
    return { scorer: scorer.id, ok: false, durationMs: elapsed(started), error: errorMessage(error) };
  }
}

/** The configured scorers, run against one prepared image for `caller`. */
export function createScoreStage(config: PluginConfig, vendors: () => VendorGateway, caller: Caller) {
  // The embedded scorer, content check included: in the worker pool when it runs the CNN, or for a job (pool.ts).
  const embedded = embeddedBackend(config.local, caller);
  const localScorer = embeddedScorer(embedded);
  const moderator = offlineModerator(embedded);
  const enriching = config.scorers.filter((id) => id !== 'local' && ENRICHERS.has(id));
  const scoring = config.scorers.filter((id) => id === 'local' || !ENRICHERS.has(id));

  /** The offline NSFW check alone when `local.moderation` is on: nothing otherwise. */
  const moderateOnly = async (prepared: PreparedImage): Promise<ScorerOutcome[]> =>
    config.local.moderation ? [await runEmbedded(moderator, prepared)] : [];

  return {
    moderateOnly,

    /** Photo or graphic (scorers/content.ts), in the worker pool too. */
    content: (prepared: PreparedImage): Promise<ContentVerdict> => embedded.content(prepared.image),

    /** Runs the chain: in order until one scores (`fallback`) or all at once; tag-only vendors always, alongside. */
    async score(prepared: PreparedImage): Promise<ScorerOutcome[]> {
      const signal = deadlineSignal(config.deadlineMs);
      const run = (id: (typeof config.scorers)[number]): Promise<ScorerOutcome> =>
        id === 'local' ? runEmbedded(localScorer, prepared) : vendors().run(id, prepared, signal);

      const enriched = Promise.all(enriching.map(run));
      const scored: ScorerOutcome[] = [];
      if (config.strategy === 'fallback') {
        for (const id of scoring) {
          const outcome = await run(id);
          scored.push(outcome);
          if (outcome.ok && outcome.score !== null) break;
        }
      } else {
        scored.push(...(await Promise.all(scoring.map(run))));
      }
      // The embedded scorer moderates as it scores; when the chain never reached it, moderate anyway.
      const moderated = scored.some((o) => o.scorer === 'local') ? [] : await moderateOnly(prepared);
      return [...scored, ...moderated, ...(await enriched)];
    },
  };
}
