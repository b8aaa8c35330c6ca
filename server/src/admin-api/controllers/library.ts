import type { Core } from '@strapi/strapi';
import { noQuerySchema } from '../../../../shared/contracts/common';
import { fileParamsSchema, filesQuerySchema } from '../../../../shared/contracts/files';
import { refusalsQuerySchema } from '../../../../shared/contracts/overview';
import {
  calibrationQuerySchema,
  distributionQuerySchema,
  previewBodySchema,
} from '../../../../shared/contracts/thresholds';
import { getService } from '../../get-service';
import { parseInput } from '../validate';

interface Context {
  body: unknown;
  query: unknown;
  params: { id?: string };
  request: { body?: unknown };
}

/** The Photo Score page's reads (RBAC `read`): library, asset, distribution, preview, calibration, overview, refusals. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const library = () => getService(strapi, 'library');
  return {
    async files(ctx: Context) {
      ctx.body = await library().list(parseInput(filesQuerySchema, ctx.query ?? {}, 'query'));
    },
    async file(ctx: Context) {
      ctx.body = { data: await library().detail(parseInput(fileParamsSchema, { id: ctx.params.id }, 'params').id) };
    },
    async distribution(ctx: Context) {
      ctx.body = {
        data: await library().distribution(parseInput(distributionQuerySchema, ctx.query ?? {}, 'query').bins),
      };
    },
    async preview(ctx: Context) {
      ctx.body = { data: await library().preview(parseInput(previewBodySchema, ctx.request.body ?? {})) };
    },
    async calibration(ctx: Context) {
      const { since } = parseInput(calibrationQuerySchema, ctx.query ?? {}, 'query');
      ctx.body = { data: await getService(strapi, 'decisions').calibration(since) };
    },
    async overview(ctx: Context) {
      parseInput(noQuerySchema, ctx.query ?? {}, 'query');
      ctx.body = { data: await library().overview() };
    },
    async refusals(ctx: Context) {
      const { page, pageSize } = parseInput(refusalsQuerySchema, ctx.query ?? {}, 'query');
      ctx.body = await getService(strapi, 'refusals').list(page, pageSize);
    },
  };
};
