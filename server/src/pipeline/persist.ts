import { AsyncLocalStorage } from 'node:async_hooks';
import type { Core } from '@strapi/strapi';
import { FILE_UID, type PhotoScoreFields } from '../attributes';

interface PendingScore {
  fields: PhotoScoreFields;
  written: boolean;
}

// The upload service builds the row deep inside its own closure; carrying the verdict
// in the async context lets the score go into the very INSERT/UPDATE that stores the file,
// so there is never a moment when a stored file lacks its score.
const pending = new AsyncLocalStorage<PendingScore>();

export const withScoreFields = <T>(fields: PhotoScoreFields, store: () => Promise<T>): Promise<T> =>
  pending.run({ fields, written: false }, store);

interface LifecycleEvent {
  params: { data?: Record<string, unknown> };
}

const writePendingScore = (event: LifecycleEvent): void => {
  const score = pending.getStore();
  if (!score || score.written || !event.params.data) return;
  Object.assign(event.params.data, score.fields);
  score.written = true;
};

export const subscribeScorePersistence = (strapi: Core.Strapi): void => {
  strapi.db.lifecycles.subscribe({
    models: [FILE_UID],
    beforeCreate: writePendingScore,
    beforeUpdate: writePendingScore,
  });
};
