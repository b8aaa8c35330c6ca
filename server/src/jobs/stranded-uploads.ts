/**
 * Async uploads whose job never reached the queue. An upload is stored `pending` by Strapi's
 * upload service, and only then does the request write its job to the ledger and hand it to the
 * engine (upload-hook.ts): a process killed in between leaves a stored file that no job will
 * ever score, or (BullMQ) a ledger row that Redis never received. Every process looks for such
 * files every half lease: a file still pending a whole lease after it was stored, with no job
 * under way, is queued again.
 */
import type { Core } from '@strapi/strapi';
import { FILE_UID } from '../attributes';
import type { JobEngine } from './engine';
import type { JobQueue } from './queue';
import { UPLOADS_RUN } from './upload-job';

/** Pending files are read in pages of this many. */
const PAGE = 500;

export async function requeueStrandedUploads(
  strapi: Core.Strapi,
  { ledger, engine, olderThanMs }: { ledger: JobQueue; engine: JobEngine; olderThanMs: number },
): Promise<number[]> {
  const files = () => strapi.db.query(FILE_UID);
  const requeued: number[] = [];
  for (let after = 0; ; ) {
    // A request still storing its files has not queued them yet: only files untouched for a lease.
    const before = new Date(Date.now() - olderThanMs);
    const page = (await files().findMany({
      where: { photoScoreStatus: 'pending', updatedAt: { $lt: before }, id: { $gt: after } },
      orderBy: { id: 'asc' },
      limit: PAGE,
      select: ['id'],
    })) as Array<{ id: number }>;
    if (page.length === 0) return requeued;
    after = page[page.length - 1].id;
    const rows = await ledger.unfinishedOf(page.map((file) => file.id));
    const held = new Set(rows.filter((row) => row.state === 'active').map((row) => row.file));
    const waiting = new Set(rows.map((row) => row.file));
    // No job at all: the request died before writing it. The file's row is claimed first (its
    // updatedAt moves only for the one process whose condition still holds), so two processes
    // looking at once do not queue it twice.
    const jobless: number[] = [];
    for (const { id } of page) {
      if (waiting.has(id)) continue;
      const { count } = await files().updateMany({
        where: { id, photoScoreStatus: 'pending', updatedAt: { $lt: before } },
        data: { updatedAt: new Date() },
      });
      if (count === 1) jobless.push(id);
    }
    if (jobless.length > 0) await ledger.enqueue(UPLOADS_RUN, jobless);
    // A job queued in the ledger may never have reached the engine (BullMQ: the process died
    // before adding it to Redis). Handing it over again is harmless: BullMQ keeps one job per
    // id, and a job whose file was scored meanwhile ends as 'already scored'.
    const undelivered = [...waiting].filter((file) => !held.has(file));
    const again = [...jobless, ...undelivered];
    if (again.length > 0) await engine.queued(UPLOADS_RUN, again);
    requeued.push(...jobless);
    if (page.length < PAGE) return requeued;
  }
}
