import { AsyncLocalStorage } from 'node:async_hooks';
import type { Core } from '@strapi/strapi';
import { FILE_UID, type PhotoScoreFields } from '../attributes';
import { emitVerdict } from '../events';

interface PendingScore {
  /** The file's fields; an upload's may still be being judged, and may end in a refusal. */
  verdict: Promise<PhotoScoreFields>;
  /** What went into the row, for the announcement after it. */
  written?: PhotoScoreFields;
  announced: boolean;
}

// The upload service builds the row deep inside its own closure; carrying the verdict
// in the async context lets the score go into the very INSERT/UPDATE that stores the file,
// so there is never a moment when a stored file lacks its score.
const pending = new AsyncLocalStorage<PendingScore>();

export const withScoreFields = <T>(
  fields: PhotoScoreFields | Promise<PhotoScoreFields>,
  store: () => Promise<T>,
): Promise<T> => {
  const verdict = Promise.resolve(fields);
  // Awaited only once the upload service stores something; a store that fails before then must
  // not leave the verdict's refusal unhandled.
  verdict.catch(() => undefined);
  return pending.run({ verdict, announced: false }, store);
};

/**
 * Inside `withScoreFields`: waits until the file is judged, and throws its refusal. The provider
 * calls this before it writes any byte, so Strapi's own work on an upload (thumbnails,
 * responsive formats) runs while the file is being scored, and a refused file is never stored.
 */
export const untilJudged = async (): Promise<void> => {
  await pending.getStore()?.verdict;
};

interface LifecycleEvent {
  params: { data?: Record<string, unknown> };
  result?: { id: number; name: string; url?: string | null; mime?: string | null };
}

const writePendingScore = async (event: LifecycleEvent): Promise<void> => {
  const score = pending.getStore();
  if (!score || score.written || !event.params.data) return;
  score.written = await score.verdict;
  Object.assign(event.params.data, score.written);
};

export const subscribeScorePersistence = (strapi: Core.Strapi): void => {
  // Once the row holds the verdict, webhook receivers hear of it (events.ts).
  const announce = async (event: LifecycleEvent): Promise<void> => {
    const score = pending.getStore();
    if (!score?.written || score.announced || !event.result) return;
    score.announced = true;
    await emitVerdict(strapi, event.result, score.written);
  };
  strapi.db.lifecycles.subscribe({
    models: [FILE_UID],
    beforeCreate: writePendingScore,
    beforeUpdate: writePendingScore,
    afterCreate: announce,
    afterUpdate: announce,
  });
};

/**
 * Saves a verdict on a stored file through the upload service's own update, so Strapi's
 * `media.update` event fires (and ours); the file's bytes are not touched.
 */
export const saveVerdict = (strapi: Core.Strapi, fileId: number, fields: PhotoScoreFields): Promise<unknown> =>
  withScoreFields(fields, () => strapi.plugin('upload').service('upload').updateFileInfo(fileId, {}));
