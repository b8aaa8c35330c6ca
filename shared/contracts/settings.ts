/**
 * `GET`/`PUT /photo-score/settings` (RBAC `settings.read` / `settings.update`): what an admin
 * changes at run time, over the defaults of `config/plugins`.
 */
import { z } from 'zod';
import { threshold } from './common';

const thresholdsShape = { rejectBelow: threshold, flagBelow: threshold };

const flagNotBelowReject = (s: { rejectBelow: number | null; flagBelow: number | null }) =>
  s.rejectBelow === null || s.flagBelow === null || s.flagBelow >= s.rejectBelow;
const FLAG_BELOW_REJECT = {
  path: ['flagBelow'],
  message: 'flagBelow must be greater than or equal to rejectBelow, or nothing could ever be flagged',
};

export const runtimeSettingsSchema = z
  .object({
    ...thresholdsShape,
    onScorerError: z.enum(['accept', 'reject']),
    /**
     * What a reviewer's "reject" does: `mark` keeps the file with status `rejected` (it can still
     * be approved later), `delete` deletes it and its formats through the upload service.
     */
    reviewReject: z.enum(['mark', 'delete']),
  })
  .strict()
  .refine(flagNotBelowReject, FLAG_BELOW_REJECT);

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

/** The two thresholds alone, as a threshold preview takes them. */
export const thresholdsSchema = z.object(thresholdsShape).strict().refine(flagNotBelowReject, FLAG_BELOW_REJECT);

export type Thresholds = z.infer<typeof thresholdsSchema>;

export interface SettingsResponse {
  data: RuntimeSettings;
}
