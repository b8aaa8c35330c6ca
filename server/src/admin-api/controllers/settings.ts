import type { Core } from '@strapi/strapi';
import type { RuntimeSettings } from '../../config';

interface SettingsService {
  get(): Promise<RuntimeSettings>;
  set(input: unknown): Promise<RuntimeSettings>;
}

interface Context {
  body: unknown;
  request: { body?: unknown };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const settings = () => strapi.plugin('photo-score').service('settings') as SettingsService;
  return {
    async get(ctx: Context) {
      ctx.body = { data: await settings().get() };
    },
    async update(ctx: Context) {
      ctx.body = { data: await settings().set(ctx.request.body) };
    },
  };
};
