import type { Core } from '@strapi/strapi';
import { z } from 'zod';

interface VendorsService {
  status(options: { withUsage: boolean }, signal: AbortSignal): Promise<unknown[]>;
}

interface Context {
  body: unknown;
  query: unknown;
}

const querySchema = z.object({ usage: z.enum(['true', 'false']).optional() });

/** Vendor-reported usage is fetched live; no admin page should hang on a slow vendor. */
const USAGE_TIMEOUT_MS = 10_000;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async status(ctx: Context) {
    const { usage } = querySchema.parse(ctx.query ?? {});
    const vendors = strapi.plugin('photo-score').service('vendors') as VendorsService;
    ctx.body = { data: await vendors.status({ withUsage: usage === 'true' }, AbortSignal.timeout(USAGE_TIMEOUT_MS)) };
  },
});
