/**
 * One file's place in a background run (a backfill, or run 0: uploads waiting in async mode): rows, not memory, so a restart or a
 * kill -9 loses nothing. A worker claims a row with a lease; a lease that runs out (its worker
 * died) puts the row back in the queue, and the file's own record tells whether the work was
 * already done (services/backfill.ts, jobs/upload-job.ts), so nothing is scored twice.
 */
export const JOB_STATES = ['queued', 'active', 'done', 'failed', 'skipped', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export default {
  schema: {
    collectionName: 'photo_score_jobs',
    info: { singularName: 'job', pluralName: 'jobs', displayName: 'Photo Score job' },
    options: { draftAndPublish: false },
    pluginOptions: { 'content-manager': { visible: false }, 'content-type-builder': { visible: false } },
    attributes: {
      run: { type: 'integer', required: true },
      file: { type: 'integer', required: true },
      state: { type: 'enumeration', enum: [...JOB_STATES], default: 'queued', required: true },
      attempts: { type: 'integer', default: 0 },
      lockedBy: { type: 'string' },
      lockedUntil: { type: 'datetime' },
      /** What happened, for a failed or skipped job. */
      outcome: { type: 'text' },
      finishedAt: { type: 'datetime' },
    },
    indexes: [
      { name: 'photo_score_jobs_run_state', columns: ['run', 'state'] },
      // The BullMQ engine looks jobs up by file.
      { name: 'photo_score_jobs_file_state', columns: ['file', 'state'] },
    ],
  },
};
