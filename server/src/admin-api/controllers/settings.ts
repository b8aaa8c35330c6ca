import type { Core } from '@strapi/strapi';
import { getService } from '../../get-service';

interface Context {
  body: unknown;
  request: { body?: unknown };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => getService(strapi, 'settings');
  return {
    async get(ctx: Context) {
      ctx.body = { data: await settings().get() };
    },
    async update(ctx: Context) {
      ctx.body = { data: await settings().set(ctx.request.body) };
    },
  };
};
