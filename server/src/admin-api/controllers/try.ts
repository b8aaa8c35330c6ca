import { rm } from 'node:fs/promises';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { TRY_FIELD, type TryResult } from '../../../../shared/contracts/try';
import { getService } from '../../get-service';
import { fromUpload, type IncomingFile } from '../../pipeline/prepare';
import { evidenceOf } from '../views';

interface Context {
  body: unknown;
  request: { files?: Record<string, IncomingFile | IncomingFile[] | undefined> };
}

const OUTCOME = { rejected: 'refuse', flagged: 'flag' } as const;

/**
 * Try a photo (RBAC `read`): one image through the same pipeline as an upload, against today's
 * thresholds, and nothing stored: no row, and the multipart temp file removed whatever happens
 * (Strapi's body middleware removes it only when the request succeeds).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async try(ctx: Context) {
    const fields = ctx.request.files ?? {};
    const received = Object.values(fields).flatMap((value) => (value === undefined ? [] : [value].flat()));
    try {
      const [file] = received;
      if (received.length !== 1 || !fields[TRY_FIELD]) {
        throw new errors.ValidationError(`${TRY_FIELD}: send exactly one image, in the multipart field "${TRY_FIELD}"`);
      }
      const image = fromUpload(file);
      const assessment = await getService(strapi, 'pipeline').assess(image, await getService(strapi, 'settings').get());
      const { record } = assessment;
      // `failed` on a refusal: not a readable image, or too large to decode (pipeline/index.ts).
      if (assessment.action === 'reject' && record.photoScoreStatus === 'failed') {
        throw assessment.status === 413
          ? new errors.PayloadTooLargeError(assessment.message)
          : new errors.ValidationError(assessment.message);
      }
      const details = record.photoScoreDetails;
      // No pixels to judge (not an image, a vector image): what an upload would store unjudged.
      if (record.photoScoreStatus === 'skipped' && !('image' in details)) {
        throw new errors.ValidationError(`${TRY_FIELD}: "${image.name}": ${details.reason}`);
      }
      const result: TryResult = {
        name: image.name,
        mime: image.mime,
        outcome:
          record.photoScoreStatus === 'rejected' || record.photoScoreStatus === 'flagged'
            ? OUTCOME[record.photoScoreStatus]
            : 'accept',
        ...evidenceOf(record),
      };
      ctx.body = { data: result };
    } finally {
      await Promise.all(received.map((file) => rm(file.filepath, { force: true })));
    }
  },
});
