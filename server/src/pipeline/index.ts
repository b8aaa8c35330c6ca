import { performance } from 'node:perf_hooks';
import type { Core } from '@strapi/strapi';
import type { PhotoScoreFields } from '../attributes';
import { combine } from './combine';
import { pluginConfig, type RuntimeSettings } from '../config';
import { getService } from '../get-service';
import { enrichmentFields, strongestModeration } from './enrich';
import { decide, type Decision } from './policy';
import {
  displayName,
  ImageTooLargeError,
  prepareUpload,
  UnreadableImageError,
  type IncomingFile,
  type PreparedUpload,
} from './prepare';
import { sha256File } from '../prepare/for-vendor';
import { embeddedScorer, offlineModerator } from '../scorers/embedded';
import { contentDetails, detectContent, skippedGraphicFields, type ContentVerdict } from '../scorers/content';
import { scoreToClass } from '../scorers/score-class';
import type { Scorer, ScorerOutcome } from '../scorers/types';
import { ENRICHERS, type VendorId } from '../scorers/vendors';
import type { VendorInput } from '../services/vendors';

export type Assessment =
  | { action: 'accept'; file: string; fields: PhotoScoreFields }
  | { action: 'reject'; file: string; status: 400 | 413; message: string; score: number | null };

type PreparedImage = Extract<PreparedUpload, { kind: 'image' }>;

const elapsed = (since: number): number => Math.round((performance.now() - since) * 10) / 10;

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function runScorer(scorer: Scorer, prepared: PreparedImage): Promise<ScorerOutcome> {
  const started = performance.now();
  try {
    const output = await scorer.score(prepared.image);
    return { scorer: scorer.id, ok: true, durationMs: elapsed(started), ...output };
  } catch (error) {
    return { scorer: scorer.id, ok: false, durationMs: elapsed(started), error: errorMessage(error) };
  }
}

/**
 * One upload through the pipeline: prepare the bytes once, run the scorers, combine their
 * verdicts, apply the admins' policy. Nothing here stores anything; the upload hook acts
 * on the assessment.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = pluginConfig(strapi);
  const vendors = () => getService(strapi, 'vendors');
  const usesVendors = config.scorers.some((id) => id !== 'local');
  const localScorer = embeddedScorer(config.local);
  const moderator = offlineModerator(config.local);

  /** Runs the chain: in order until one scores (`fallback`) or all at once; tag-only vendors always, alongside. */
  async function runScorers(file: IncomingFile, prepared: PreparedImage): Promise<ScorerOutcome[]> {
    const signal = AbortSignal.timeout(config.deadlineMs);
    const input: VendorInput | null = usesVendors
      ? {
          source: prepared.source,
          width: prepared.image.originalWidth,
          height: prepared.image.originalHeight,
          sha256: await sha256File(file.filepath),
          encodings: new Map(),
        }
      : null;
    const run = (id: string): Promise<ScorerOutcome> =>
      id === 'local' || !input ? runScorer(localScorer, prepared) : vendors().run(id as VendorId, input, signal);

    const enriching = Promise.all(config.scorers.filter((id) => ENRICHERS.has(id as VendorId)).map(run));
    const scoring = config.scorers.filter((id) => !ENRICHERS.has(id as VendorId));
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
    const moderated =
      config.local.moderation && !scored.some((o) => o.scorer === 'local')
        ? [await runScorer(moderator, prepared)]
        : [];
    return [...scored, ...moderated, ...(await enriching)];
  }

  /** The NSFW policy sits on top of the score policy: it can refuse or flag what the score let through. */
  function moderate(decision: Decision, outcomes: ScorerOutcome[]): Decision {
    const moderation = strongestModeration(outcomes);
    if (decision.action === 'reject' || moderation?.level !== 'nsfw' || config.nsfw === 'ignore') return decision;
    const reason = `judged NSFW by ${moderation.by} (${moderation.label}, ${moderation.confidence}%)`;
    return config.nsfw === 'reject' ? { action: 'reject', reason } : { action: 'accept', status: 'flagged', reason };
  }

  return {
    async assess(file: IncomingFile, settings: RuntimeSettings): Promise<Assessment> {
      const name = displayName(file);
      const started = performance.now();
      const scoredAt = new Date().toISOString();

      let prepared: PreparedUpload | null = null;
      let outcomes: ScorerOutcome[] = [];
      let failure: string | undefined;
      try {
        prepared = await prepareUpload(file, config);
      } catch (error) {
        if (error instanceof UnreadableImageError) {
          return { action: 'reject', file: name, status: 400, message: error.message, score: null };
        }
        if (error instanceof ImageTooLargeError) {
          return { action: 'reject', file: name, status: 413, message: error.message, score: null };
        }
        failure = errorMessage(error);
      }

      if (prepared?.kind === 'skip') {
        return {
          action: 'accept',
          file: name,
          fields: {
            photoScore: null,
            photoScoreClass: null,
            photoScoreStatus: 'skipped',
            photoScoreDetails: { version: 1, scoredAt, mime: prepared.mime, reason: prepared.reason },
          },
        };
      }

      let content: ContentVerdict | undefined;
      if (prepared?.kind === 'image') {
        // Graphics (logos, icons, screenshots…) are not photos: with `graphics: 'skip'` they are
        // stored unjudged, and no threshold refuses them (scorers/content.ts).
        content = detectContent(prepared.image);
        if (content.content === 'graphic' && config.graphics === 'skip') {
          // Unjudged, but still moderated when the offline check is on: drawings can be explicit too.
          const checked = config.local.moderation ? [await runScorer(moderator, prepared)] : [];
          const verdict = moderate({ action: 'accept', status: 'scored', reason: '' }, checked);
          if (verdict.action === 'reject') {
            return { action: 'reject', file: name, status: 400, message: `"${name}" ${verdict.reason}`, score: null };
          }
          const flagged = verdict.status === 'flagged' ? verdict.reason : undefined;
          return {
            action: 'accept',
            file: name,
            fields: skippedGraphicFields(content, prepared, scoredAt, checked, flagged),
          };
        }
        outcomes = await runScorers(file, prepared);
        failure = outcomes.flatMap((o) => (o.ok ? [] : [o.error])).join('; ') || undefined;
      }

      const weights = Object.fromEntries(config.scorers.map((id) => [id, vendors().weightOf(id)]));
      const combined = combine(outcomes, config.strategy, weights);
      const decision = moderate(decide(combined.score, settings, failure), outcomes);
      if (decision.action === 'reject') {
        return {
          action: 'reject',
          file: name,
          status: 400,
          message: `"${name}" ${decision.reason}`,
          score: combined.score,
        };
      }

      if (decision.status === 'failed') strapi.log.warn(`[photo-score] "${name}" ${decision.reason}`);
      return {
        action: 'accept',
        file: name,
        fields: {
          photoScore: combined.score,
          photoScoreClass: combined.score === null ? null : scoreToClass(combined.score),
          photoScoreStatus: decision.status,
          ...enrichmentFields(outcomes),
          photoScoreDetails: {
            version: 1,
            scoredAt,
            durationMs: elapsed(started),
            image:
              prepared?.kind === 'image'
                ? {
                    format: prepared.format,
                    width: prepared.image.originalWidth,
                    height: prepared.image.originalHeight,
                  }
                : null,
            ...(content ? contentDetails(content) : {}),
            scorers: outcomes,
            // Why the photo lost points, by dimension ("overexposed: 18 % of pixels clipped").
            reasons: outcomes.reduce<Record<string, string>>(
              (all, outcome) => (outcome.ok && outcome.reasons ? { ...all, ...outcome.reasons } : all),
              {},
            ),
            combined,
            decision: { status: decision.status, reason: decision.reason },
            thresholds: settings,
          },
        },
      };
    },
  };
};
