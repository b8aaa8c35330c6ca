import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { getService } from '../../get-service';
import { actorOf, type AdminUser } from '../actor';

interface Context {
  body: unknown;
  params: { id?: string };
  request: { body?: unknown };
  state: { user?: AdminUser };
}

const runId = (ctx: Context): number => {
  const id = Number(ctx.params.id);
  if (!Number.isInteger(id) || id <= 0) throw new errors.ValidationError('id: expected a backfill id');
  return id;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const backfill = () => getService(strapi, 'backfill');
  return {
    async estimate(ctx: Context) {
      ctx.body = { data: await backfill().estimate(ctx.request.body) };
    },
    async start(ctx: Context) {
      ctx.body = { data: await backfill().start(ctx.request.body, ctx.state.user?.email ?? undefined) };
    },
    async list(ctx: Context) {
      ctx.body = { data: await backfill().list() };
    },
    async progress(ctx: Context) {
      ctx.body = { data: await backfill().progress(runId(ctx)) };
    },
    async pause(ctx: Context) {
      ctx.body = { data: await backfill().pause(runId(ctx)) };
    },
    async resume(ctx: Context) {
      ctx.body = { data: await backfill().resume(runId(ctx)) };
    },
    async cancel(ctx: Context) {
      ctx.body = { data: await backfill().cancel(runId(ctx)) };
    },
    async apply(ctx: Context) {
      ctx.body = { data: await backfill().apply(actorOf(ctx.state.user)) };
    },
  };
};
