import { performance } from 'node:perf_hooks';
import type { Core } from '@strapi/strapi';
import type { PhotoScoreFields } from '../attributes';
import { combine } from '../combiner';
import type { PluginConfig, RuntimeSettings } from '../config';
import { decide } from '../policy';
import {
  displayName,
  ImageTooLargeError,
  prepareUpload,
  UnreadableImageError,
  type IncomingFile,
  type PreparedUpload,
} from '../prepare';
import { scoreLocal } from '../scorers/local';
import { scoreToClass } from '../scorers/score-class';
import type { Scorer, ScorerOutcome } from '../scorers/types';

export type Assessment =
  | { action: 'accept'; file: string; fields: PhotoScoreFields }
  | { action: 'reject'; file: string; status: 400 | 413; message: string; score: number | null };

const elapsed = (since: number): number => Math.round((performance.now() - since) * 10) / 10;

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function runScorer(scorer: Scorer, prepared: Extract<PreparedUpload, { kind: 'image' }>): Promise<ScorerOutcome> {
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
const localScorer: Scorer = { id: 'local', score: async (image) => scoreLocal(image) };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const scorers: Scorer[] = [localScorer];

  return {
    async assess(file: IncomingFile, settings: RuntimeSettings): Promise<Assessment> {
      const name = displayName(file);
      const config = strapi.config.get('plugin::photo-score') as PluginConfig;
      const started = performance.now();
      const scoredAt = new Date().toISOString();

      let prepared: PreparedUpload | null = null;
      const outcomes: ScorerOutcome[] = [];
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

      if (prepared?.kind === 'image') {
        for (const scorer of scorers) outcomes.push(await runScorer(scorer, prepared));
        failure = outcomes.flatMap((o) => (o.ok ? [] : [`${o.scorer}: ${o.error}`])).join('; ') || undefined;
      }

      const combined = combine(outcomes, 'fallback');
      const decision = decide(combined.score, settings, failure);
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
            scorers: outcomes,
            combined,
            decision: { status: decision.status, reason: decision.reason },
            thresholds: settings,
          },
        },
      };
    },
  };
};
