import { AsyncLocalStorage } from 'node:async_hooks';
import type { Core } from '@strapi/strapi';
import { FILE_UID, type PhotoScoreFields } from '../attributes';
import { emitVerdict } from '../events';

interface PendingScore {
  fields: PhotoScoreFields;
  written: boolean;
  announced: boolean;
}

// The upload service builds the row deep inside its own closure; carrying the verdict
// in the async context lets the score go into the very INSERT/UPDATE that stores the file,
// so there is never a moment when a stored file lacks its score.
const pending = new AsyncLocalStorage<PendingScore>();

export const withScoreFields = <T>(fields: PhotoScoreFields, store: () => Promise<T>): Promise<T> =>
  pending.run({ fields, written: false, announced: false }, store);

interface LifecycleEvent {
  params: { data?: Record<string, unknown> };
  result?: { id: number; name: string; url?: string | null; mime?: string | null };
}

const writePendingScore = (event: LifecycleEvent): void => {
  const score = pending.getStore();
  if (!score || score.written || !event.params.data) return;
  Object.assign(event.params.data, score.fields);
  score.written = true;
};

export const subscribeScorePersistence = (strapi: Core.Strapi): void => {
  // Once the row holds the verdict, webhook receivers hear of it (events.ts).
  const announce = async (event: LifecycleEvent): Promise<void> => {
    const score = pending.getStore();
    if (!score?.written || score.announced || !event.result) return;
    score.announced = true;
    await emitVerdict(strapi, event.result, score.fields);
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
