/**
 * A stored file through the pipeline, as background work does it: the row read again (it may
 * have been deleted meanwhile), the bytes read back through the provider, the same assessment an
 * upload gets. What to do with the verdict (record it, delete the file) is the caller's.
 */
import type { Core } from '@strapi/strapi';
import { FILE_UID } from '../attributes';
import { getService } from '../get-service';
import type { Assessment, PreparingFile } from '../pipeline';
import { fromStoredFile } from '../pipeline/prepare';
import type { PhotoScoreDetails } from '../pipeline/record';
import { deferredRateLimit } from '../vendor-http/queue-context';
import { RetryLaterError } from './engine';
import { readStoredFile, StoredFileError, type StoredFileRow } from './stored-file';

export type StoredFile = StoredFileRow & {
  photoScoreStatus: string | null;
  photoScoreDetails: PhotoScoreDetails | null;
};

/** A stored file read back, before any scoring: what `assessStored` takes. */
export type StoredRead =
  /** Not an image: nothing to read. */
  | { kind: 'skip'; reason: string }
  /** Gone from storage, or its provider does not hand it back. */
  | { kind: 'unread'; reason: string }
  /** Its bytes in hand and being decoded. */
  | { kind: 'read'; preparing: PreparingFile };

/** A stored file larger than this is not read back for scoring. */
const MAX_STORED_BYTES = 200 * 1024 * 1024;
/** Types worth reading: images, and files stored without a type (the bytes tell). */
const MIGHT_BE_AN_IMAGE = /^(image\/|application\/octet-stream$)/;

export const findStoredFile = async (strapi: Core.Strapi, id: number): Promise<StoredFile | null> =>
  (await strapi.db.query(FILE_UID).findOne({ where: { id } })) as StoredFile | null;

/**
 * Reads a stored file's bytes back through its provider and starts the pipeline's prepare stage
 * on them: reads only, so a worker can do it for its next file while this one is scored.
 */
export async function readStoredImage(strapi: Core.Strapi, file: StoredFile): Promise<StoredRead> {
  if (!MIGHT_BE_AN_IMAGE.test(file.mime ?? 'application/octet-stream')) {
    return { kind: 'skip', reason: `not an image (${file.mime})` };
  }
  let body: Buffer;
  try {
    body = await readStoredFile(strapi, file, MAX_STORED_BYTES);
  } catch (error) {
    if (error instanceof StoredFileError) return { kind: 'unread', reason: error.message };
    throw error;
  }
  const image = await fromStoredFile({ name: file.name, mime: file.mime, body });
  return { kind: 'read', preparing: getService(strapi, 'pipeline').startPreparing(image) };
}

/** A file read back (readStoredImage) through the rest of the pipeline, against the thresholds in force. */
export async function assessStored(
  strapi: Core.Strapi,
  { preparing }: Extract<StoredRead, { kind: 'read' }>,
): Promise<Assessment> {
  const settings = await getService(strapi, 'settings').recent();
  const assessment = await getService(strapi, 'pipeline').assess(preparing, settings, 'job');
  // A vendor answered 429 to a job whose queue waits it out (the BullMQ engine): nothing is
  // saved, the job comes back when the queue's pause ends.
  const rateLimited = deferredRateLimit();
  if (rateLimited) throw new RetryLaterError(rateLimited.vendor, rateLimited.retryAfterMs);
  return assessment;
}

/** What a saved assessment means for the job that made it (services/jobs.ts JobResult). */
export function jobResultOf(assessment: Assessment): { state: 'done' | 'failed' | 'skipped'; outcome?: string } {
  const status = assessment.record.photoScoreStatus;
  if (status === 'failed') {
    return { state: 'failed', outcome: assessment.action === 'reject' ? assessment.message : 'stored unscored' };
  }
  return status === 'skipped' ? { state: 'skipped', outcome: 'not a photo' } : { state: 'done' };
}
