import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { getService } from '../../get-service';
import { parseInput } from '../validate';

interface Context {
  body: unknown;
  query: unknown;
  params: unknown;
  request: { body?: unknown };
}

const statusQuery = z.object({ usage: z.enum(['true', 'false']).optional() }).strict();
const vendorParams = z.object({ id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a vendor id such as imagga') });
// Nothing to say yet; a body with keys is a client expecting an option that does not exist.
const resumeBody = z.object({}).strict().optional();

/** Vendor-reported usage is fetched live; no admin page should hang on a slow vendor. */
const USAGE_TIMEOUT_MS = 10_000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => getService(strapi, 'vendors');
  return {
    async status(ctx: Context) {
      const { usage } = parseInput(statusQuery, ctx.query ?? {});
      ctx.body = {
        data: await service().status({ withUsage: usage === 'true' }, AbortSignal.timeout(USAGE_TIMEOUT_MS)),
      };
    },

    async resume(ctx: Context) {
      const { id } = parseInput(vendorParams, ctx.params);
      parseInput(resumeBody, ctx.request.body);
      ctx.body = { data: await service().resume(id, AbortSignal.timeout(USAGE_TIMEOUT_MS)) };
    },
  };
};
