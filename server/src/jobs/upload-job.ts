/**
 * Async mode (`mode: 'async'`): an upload is stored at once as `pending` and scored here, off the
 * request. A score under `rejectBelow` marks it `rejected`, or deletes it with
 * `asyncReject: 'delete'`; flagging works as for a synchronous upload.
 */
import type { Core } from '@strapi/strapi';
import { pluginConfig } from '../config';
import { emitVerdict } from '../events';
import { getService } from '../get-service';
import { saveVerdict } from '../pipeline/persist';
import { notAnImageRecord, unjudgedRecord } from '../pipeline/record';
import type { Assessment } from '../pipeline';
import type { FinishJob, JobResult } from './engine';
import type { Job } from './queue';
import { assessStored, findStoredFile, jobResultOf, readStoredImage, type StoredFile } from './stored-assessment';

/** Who the history names for async scoring's own decisions. */
const ASYNC_SCORING = { id: null, name: 'async scoring' };

/** The run every async upload's job belongs to (backfills have runs of their own, ids from 1). */
export const UPLOADS_RUN = 0;

/** An async upload's job (jobs/engine.ts StartJob): its file read back, then scored and judged. */
export async function startUploadJob(strapi: Core.Strapi, job: Job): Promise<FinishJob> {
  const file = await findStoredFile(strapi, job.file);
  if (!file) return async () => ({ state: 'skipped', outcome: 'the file was deleted before its turn' });
  // Not pending any more: a process that died after saving the verdict already did the work.
  if (file.photoScoreStatus !== 'pending') return async () => ({ state: 'done', outcome: 'already scored' });
  const read = await readStoredImage(strapi, file);
  return async () => {
    const now = new Date().toISOString();
    if (read.kind === 'skip') {
      const record = notAnImageRecord({ mime: file.mime ?? '', reason: read.reason }, now);
      return { state: 'skipped', outcome: read.reason, save: () => saveVerdict(strapi, file.id, record) };
    }
    if (read.kind === 'unread') {
      const record = unjudgedRecord(file.mime ?? '', read.reason, now);
      return { state: 'failed', outcome: read.reason, save: () => saveVerdict(strapi, file.id, record) };
    }
    const assessment = await assessStored(strapi, read);
    return judged(strapi, file, assessment);
  };
}

/** What a scored async upload's job saves: its verdict, or, refused under `asyncReject: 'delete'`, its deletion. */
async function judged(strapi: Core.Strapi, file: StoredFile, assessment: Assessment): Promise<JobResult> {
  const deleting = assessment.action === 'reject' && pluginConfig(strapi).asyncReject === 'delete';
  // A stored upload turned away after the fact is a decision the library's history keeps,
  // written first: once the file is gone, its history already says why.
  const decided = () =>
    getService(strapi, 'decisions').record({
      file: file.id,
      fileName: file.name,
      decision: 'auto-reject',
      fromStatus: 'pending',
      toStatus: 'rejected',
      deleted: deleting,
      by: ASYNC_SCORING,
      score: assessment.record.photoScore,
    });
  if (deleting && assessment.action === 'reject') {
    // Now, not in the engine's transaction: a provider's delete may be a network call.
    await decided();
    await emitVerdict(strapi, file, assessment.record);
    await strapi.plugin('upload').service('upload').remove(file);
    return { state: 'done', outcome: `deleted: ${assessment.message}` };
  }
  const save = async (): Promise<void> => {
    if (assessment.record.photoScoreStatus === 'rejected') await decided();
    await saveVerdict(strapi, file.id, assessment.record);
  };
  return { ...jobResultOf(assessment), save };
}
