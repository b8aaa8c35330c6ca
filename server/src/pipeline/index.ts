/**
 * The pipeline, one file per stage in the order a file goes through them:
 * prepare (sniff, decode once) → score (the scorer chain) → combine (one score) → policy
 * (accept, flag or refuse) → record (the fields stored on the file; persist.ts writes them).
 * Nothing here stores anything: the caller acts on the assessment.
 */
import { performance } from 'node:perf_hooks';
import type { PhotoScoreFields } from '../attributes';
import type { PluginConfig, RuntimeSettings } from '../config';
import { contentDetails, skippedGraphicFields, type ContentVerdict } from '../scorers/content';
import type { Caller } from '../scorers/pool';
import type { ScorerOutcome } from '../scorers/types';
import { combine } from './combine';
import { decide, decideUnjudged, moderate, refusalOf } from './policy';
import { prepare, type ImageFile, type PreparedFile } from './prepare';
import { notAnImageRecord, scoredRecord, unjudgedRecord } from './record';
import { createScoreStage, elapsed, errorMessage, type VendorGateway } from './score';

/**
 * A file whose prepare stage (reading, sniffing, decoding) is under way: started before `assess`,
 * it overlaps another file's scoring (a backfill worker reads its next file meanwhile).
 */
export interface PreparingFile {
  file: ImageFile;
  prepared: Promise<PreparedFile>;
}

export type Assessment =
  | { action: 'accept'; file: string; record: PhotoScoreFields }
  | {
      action: 'reject';
      file: string;
      status: 400 | 413;
      message: string;
      score: number | null;
      /**
       * What a file already in the library keeps instead of being refused: status `rejected`
       * with its evidence, or `failed` when it could not be judged (a backfill deletes nothing).
       */
      record: PhotoScoreFields;
    };

/** `: out of focus; underexposed (31 % of pixels crushed)`, or nothing when no dimension pulled the score down. */
function reasonsSentence(record: PhotoScoreFields): string {
  const details = record.photoScoreDetails;
  const reasons = 'reasons' in details ? Object.values(details.reasons) : [];
  return reasons.length === 0 ? '' : `: ${reasons.join('; ')}`;
}

/** A scorer's weight in the `weighted` strategy: `localWeight` for the embedded one, each vendor's own `weight`. */
const weightOf = (config: PluginConfig, id: PluginConfig['scorers'][number]): number =>
  id === 'local' ? config.localWeight : (config.vendors[id]?.weight ?? 1);

export function createPipeline({
  config,
  vendors,
  warn,
}: {
  config: PluginConfig;
  vendors: () => VendorGateway;
  /** Where a file stored unscored is reported. */
  warn: (message: string) => void;
}) {
  const scoreStages: Record<Caller, ReturnType<typeof createScoreStage>> = {
    upload: createScoreStage(config, vendors, 'upload'),
    job: createScoreStage(config, vendors, 'job'),
  };
  const weights = Object.fromEntries(config.scorers.map((id) => [id, weightOf(config, id)]));

  const startPreparing = (file: ImageFile): PreparingFile => {
    const prepared = prepare(file, config);
    // Awaited by `assess`, which turns a failure into the file's verdict; until then it is not unhandled.
    prepared.catch(() => undefined);
    return { file, prepared };
  };

  return {
    startPreparing,

    /**
     * One file through every stage, judged against the thresholds in force. `caller`: who waits
     * for the verdict, which decides where the embedded scorer runs (scorers/pool.ts).
     */
    async assess(
      input: ImageFile | PreparingFile,
      settings: RuntimeSettings,
      caller: Caller = 'upload',
    ): Promise<Assessment> {
      const { file, prepared: preparing } = 'prepared' in input ? input : startPreparing(input);
      const scoreStage = scoreStages[caller];
      const name = file.name;
      const started = performance.now();
      const scoredAt = new Date().toISOString();

      let prepared: PreparedFile | null = null;
      let failure: string | undefined;
      try {
        prepared = await preparing;
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal) {
          return {
            action: 'reject',
            file: name,
            ...refusal,
            score: null,
            record: unjudgedRecord(file.mime, refusal.message, scoredAt),
          };
        }
        failure = errorMessage(error);
      }

      if (prepared?.kind === 'skip') {
        return { action: 'accept', file: name, record: notAnImageRecord(prepared, scoredAt) };
      }

      let outcomes: ScorerOutcome[] = [];
      let content: ContentVerdict | undefined;
      try {
        content = prepared ? await scoreStage.content(prepared) : undefined;
      } catch (error) {
        // In a worker thread the check can fail (a worker that died): the file is stored unjudged, as `failed`.
        failure = errorMessage(error);
      }
      if (prepared && content) {
        // Graphics (logos, icons, screenshots…) are not photos: with `graphics: 'skip'` they are
        // stored unjudged (scorers/content.ts).
        if (content.content === 'graphic' && config.graphics === 'skip') {
          const moderated = await scoreStage.moderateOnly(prepared);
          const verdict = decideUnjudged(moderated, config.nsfw);
          if (verdict.action === 'reject') {
            const message = `"${name}" ${verdict.reason}`;
            return {
              action: 'reject',
              file: name,
              status: 400,
              message,
              score: null,
              record: unjudgedRecord(file.mime, message, scoredAt, 'rejected'),
            };
          }
          return {
            action: 'accept',
            file: name,
            record: skippedGraphicFields(content, prepared, scoredAt, moderated, verdict.flagged),
          };
        }
        outcomes = await scoreStage.score(prepared);
        failure = outcomes.flatMap((o) => (o.ok ? [] : [o.error])).join('; ') || undefined;
      }

      const combined = combine(outcomes, config.strategy, weights);
      const scoreDecision = decide(combined.score, settings, failure);
      const decision = moderate(scoreDecision, outcomes, config.nsfw);
      const record = scoredRecord({
        prepared,
        content: content && contentDetails(content),
        outcomes,
        combined,
        status: decision.action === 'reject' ? 'rejected' : decision.status,
        reason: decision.reason,
        settings,
        scoredAt,
        durationMs: elapsed(started),
      });
      if (decision.action === 'reject') {
        // A score under the minimum says why it is low: the reasons the scorers gave.
        const why = scoreDecision.action === 'reject' && combined.score !== null ? reasonsSentence(record) : '';
        const message = `"${name}" ${decision.reason}${why}`;
        return { action: 'reject', file: name, status: 400, message, score: combined.score, record };
      }
      if (decision.status === 'failed') warn(`[photo-score] "${name}" ${decision.reason}`);
      return { action: 'accept', file: name, record };
    },
  };
}
