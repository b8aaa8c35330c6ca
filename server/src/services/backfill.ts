/**
 * Scoring the media a library already holds: estimate, start, pause, resume, cancel and follow
 * a backfill, and "apply" (re-judge stored scores against today's thresholds without scoring
 * again). Files go through the same pipeline as uploads; results are saved through Strapi's
 * own file update, so `media.update` fires, and a file's bytes are never rewritten.
 */
import type { Core } from '@strapi/strapi';
import {
  backfillSelectionSchema,
  type ApplyResult,
  type BackfillEstimate,
  type BackfillProgress,
  type BackfillSelection,
  type BackfillState,
} from '../../../shared/contracts/backfill';
import type { Actor } from '../../../shared/contracts/common';
import { errors } from '@strapi/utils';
import { FILE_UID } from '../attributes';
import { pluginConfig, type PluginConfig } from '../config';
import { UIDS } from '../content-types';
import { getService } from '../get-service';
import type { Job } from '../jobs/queue';
import { matchesScope, selectionWhere, type CandidateFile } from '../jobs/selection';
import { forEachRejudgeable, rejudge, type RejudgeableFile } from '../jobs/rejudge';
import { assessStored, findStoredFile, jobResultOf, readStoredImage } from '../jobs/stored-assessment';
import { saveVerdict } from '../pipeline/persist';
import type { ScoredDetails } from '../pipeline/record';
import { scoreToClass } from '../scorers/score-class';
import { LOCAL_MODEL_VERSION } from '../scorers/local';
import { ENRICHERS } from '../scorers/vendors';
import { deepHeadVersion } from '../scorers/embedded';
import { embeddedBackend } from '../scorers/pool';
import { parseInput } from '../admin-api/validate';
import type { FinishJob, JobResult } from '../jobs/engine';

interface BackfillRow {
  id: number;
  state: BackfillState;
  selection: BackfillSelection;
  total: number;
  startedBy: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Files are paged through in this many rows, so a large library is never loaded at once. */
const PAGE = 500;
const RATE_WINDOW_MS = 60_000;

/** What each paid vendor would be asked for `files` images, by the chain's strategy. */
function billedRequests(config: PluginConfig, files: number): Array<{ vendor: string; requests: number }> {
  const vendors = config.scorers.filter((id) => id !== 'local');
  // With `fallback` a vendor after the first scorer is only asked when those before it fail.
  const asked = config.strategy === 'fallback' ? vendors.filter((id) => config.scorers[0] === id) : vendors;
  const enrichers = Object.keys(config.vendors).filter(
    (id) => ENRICHERS.has(id as never) && config.vendors[id as keyof PluginConfig['vendors']]?.enabled,
  );
  return [...new Set([...asked, ...enrichers])].map((vendor) => ({ vendor, requests: files }));
}

/** The version today's embedded scorer writes on a score: a stored score with another is `outdated`. */
async function embeddedVersion(config: PluginConfig): Promise<string> {
  return config.local.mode === 'deep' ? deepHeadVersion(embeddedBackend(config.local, 'job')) : LOCAL_MODEL_VERSION;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => pluginConfig(strapi);
  const jobs = () => getService(strapi, 'jobs');
  const runs = () => strapi.db.query(UIDS.backfill);

  const findRun = async (id: number): Promise<BackfillRow> => {
    const run = (await runs().findOne({ where: { id } })) as BackfillRow | null;
    if (!run) throw new errors.NotFoundError(`backfill ${id} not found`);
    return run;
  };

  const folderPathOf = async (folder: number | undefined): Promise<string | undefined> => {
    if (folder === undefined) return undefined;
    const row = (await strapi.db.query('plugin::upload.folder').findOne({ where: { id: folder } })) as {
      path: string;
    } | null;
    if (!row) throw new errors.ValidationError(`folder: no folder with id ${folder}`);
    return row.path;
  };

  /** Ids of the files a selection covers, page by page. */
  const matchingFiles = async (selection: BackfillSelection): Promise<number[]> => {
    const where = selectionWhere(selection, await folderPathOf(selection.folder));
    const version = selection.scope === 'outdated' ? await embeddedVersion(config()) : '';
    const ids: number[] = [];
    for (let after = 0; ; ) {
      const page = (await strapi.db.query(FILE_UID).findMany({
        where: { $and: [where, { id: { $gt: after } }] },
        orderBy: { id: 'asc' },
        limit: PAGE,
        select: ['id', 'mime', 'photoScoreStatus', 'photoScoreDetails'],
      })) as CandidateFile[];
      for (const file of page) if (matchesScope(file, selection, version)) ids.push(file.id);
      if (page.length < PAGE) return ids;
      after = page[page.length - 1].id;
    }
  };

  const progress = async (run: BackfillRow): Promise<BackfillProgress> => {
    const { queue } = jobs();
    const [done, failed, skipped, cancelled, queued, active, recent, failures] = await Promise.all([
      queue.count(run.id, 'done'),
      queue.count(run.id, 'failed'),
      queue.count(run.id, 'skipped'),
      queue.count(run.id, 'cancelled'),
      queue.count(run.id, 'queued'),
      queue.count(run.id, 'active'),
      queue.finishedSince(run.id, new Date(Date.now() - RATE_WINDOW_MS)),
      queue.failures(run.id, 20),
    ]);
    const remaining = queued + active;
    const perMinute = (recent * 60_000) / RATE_WINDOW_MS;
    return {
      id: run.id,
      state: run.state,
      selection: run.selection,
      startedBy: run.startedBy,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      total: run.total,
      done,
      failed,
      skipped,
      cancelled,
      remaining,
      perMinute,
      etaSeconds:
        remaining === 0
          ? 0
          : perMinute > 0 && run.state === 'running'
            ? Math.round((remaining / perMinute) * 60)
            : null,
      failures: failures.map((failure) => ({ file: failure.file, reason: failure.outcome })),
    };
  };

  const setState = async (run: BackfillRow, allowedFrom: BackfillState[], state: BackfillState) => {
    if (!allowedFrom.includes(run.state)) {
      throw new errors.ApplicationError(
        `backfill ${run.id} is ${run.state}: it cannot be ${state === 'running' ? 'resumed' : state}`,
      );
    }
    await runs().update({
      where: { id: run.id },
      data: { state, ...(state === 'cancelled' || state === 'done' ? { finishedAt: new Date() } : {}) },
    });
    if (state === 'cancelled') await jobs().queue.cancel(run.id);
    await jobs().runChanged(run.id);
    return progress(await findRun(run.id));
  };

  /** A run with nothing left to do is done. */
  const closeIfFinished = async (runId: number): Promise<void> => {
    const { queue } = jobs();
    if ((await queue.count(runId, 'queued')) + (await queue.count(runId, 'active')) > 0) return;
    await runs().updateMany({
      where: { id: runId, state: 'running' },
      data: { state: 'done', finishedAt: new Date() },
    });
  };

  // When a run started never changes: read once per run, not once per file.
  const startedAt = new Map<number, Date>();

  /** One file of a backfill through the pipeline (jobs/engine.ts StartJob); its verdict saved, a refused one kept as `rejected`. */
  const startJob = async (job: Job): Promise<FinishJob> => {
    let runStart = startedAt.get(job.run);
    if (!runStart) {
      runStart = new Date((await findRun(job.run)).startedAt);
      startedAt.set(job.run, runStart);
    }
    const file = await findStoredFile(strapi, job.file);
    if (!file) return async () => ({ state: 'skipped', outcome: 'the file was deleted before its turn' });
    // A job taken over from a process that died after saving the score: the work is done.
    const scoredAt = file.photoScoreDetails?.scoredAt;
    if (job.attempts > 1 && scoredAt && new Date(scoredAt) >= runStart) {
      return async () => ({ state: 'done', outcome: 'already scored' });
    }
    const read = await readStoredImage(strapi, file);
    if (read.kind !== 'read') {
      const ended: JobResult = { state: read.kind === 'skip' ? 'skipped' : 'failed', outcome: read.reason };
      return async () => ended;
    }
    return async () => {
      const assessment = await assessStored(strapi, read);
      const { record } = assessment;
      return { ...jobResultOf(assessment), save: () => saveVerdict(strapi, file.id, record) };
    };
  };

  return {
    /** A dry run: how many files a backfill would score, and what each paid vendor would bill. */
    async estimate(input: unknown): Promise<BackfillEstimate> {
      const selection = parseInput(backfillSelectionSchema, input ?? {});
      const files = (await matchingFiles(selection)).length;
      const budgets = getService(strapi, 'vendor-budgets');
      const vendors = await Promise.all(
        billedRequests(config(), files).map(async ({ vendor, requests }) => ({
          vendor,
          requests,
          budget: {
            ...(config().budgets[vendor as keyof PluginConfig['budgets']] ?? {}),
            ...(await budgets.used(vendor)),
          },
        })),
      );
      return { selection, files, vendors };
    },

    async start(input: unknown, startedBy?: string): Promise<BackfillProgress> {
      const selection = parseInput(backfillSelectionSchema, input ?? {});
      const busy = (await runs().findOne({ where: { state: { $in: ['running', 'paused'] } } })) as BackfillRow | null;
      if (busy) {
        throw new errors.ApplicationError(
          `backfill ${busy.id} is ${busy.state}: resume or cancel it before starting another`,
        );
      }
      const files = await matchingFiles(selection);
      const run = (await runs().create({
        data: {
          state: 'paused', // until its jobs are written, so no worker sees it half-queued
          selection,
          total: files.length,
          startedBy: startedBy ?? null,
          startedAt: new Date(),
        },
      })) as BackfillRow;
      await jobs().queue.enqueue(run.id, files);
      await runs().update({ where: { id: run.id }, data: { state: 'running' } });
      await jobs().runChanged(run.id);
      return progress(await findRun(run.id));
    },

    pause: async (id: number) => setState(await findRun(id), ['running'], 'paused'),
    resume: async (id: number) => setState(await findRun(id), ['paused'], 'running'),
    cancel: async (id: number) => setState(await findRun(id), ['running', 'paused'], 'cancelled'),
    progress: async (id: number) => progress(await findRun(id)),

    /** The latest backfills, newest first. */
    async list(limit = 10): Promise<BackfillProgress[]> {
      const rows = (await runs().findMany({ orderBy: { id: 'desc' }, limit })) as BackfillRow[];
      return Promise.all(rows.map(progress));
    },

    /**
     * Re-judges stored scores against the thresholds in force, without scoring again: scored,
     * flagged and rejected files move between those statuses; a reviewer's decision stays. Each
     * change is recorded as a decision by `by`, the admin who asked.
     */
    async apply(by: Actor): Promise<ApplyResult> {
      const settings = await getService(strapi, 'settings').get();
      const byStatus: Record<string, number> = {};
      let examined = 0;
      let changed = 0;
      await forEachRejudgeable<RejudgeableFile & { name: string }>(strapi, ['name'], async (file) => {
        examined++;
        const verdict = rejudge(file, settings, config().nsfw);
        if (!verdict || verdict.status === file.photoScoreStatus) return;
        const details = file.photoScoreDetails as ScoredDetails;
        await saveVerdict(strapi, file.id, {
          photoScore: file.photoScore,
          photoScoreClass: scoreToClass(file.photoScore),
          photoScoreStatus: verdict.status,
          photoScoreDetails: {
            ...details,
            decision: { status: verdict.status, reason: verdict.reason },
            thresholds: {
              rejectBelow: settings.rejectBelow,
              flagBelow: settings.flagBelow,
              onScorerError: settings.onScorerError,
            },
          },
        });
        await getService(strapi, 'decisions').record({
          file: file.id,
          fileName: file.name,
          decision: 'apply',
          fromStatus: file.photoScoreStatus,
          toStatus: verdict.status,
          by,
          score: file.photoScore,
        });
        changed++;
        byStatus[verdict.status] = (byStatus[verdict.status] ?? 0) + 1;
      });
      return { examined, changed, byStatus };
    },

    startJob,
    closeIfFinished,
  };
};
