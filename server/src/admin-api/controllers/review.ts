import type { Core } from '@strapi/strapi';
import { noQuerySchema } from '../../../../shared/contracts/common';
import { reviewBodySchema } from '../../../../shared/contracts/review';
import { getService } from '../../get-service';
import { actorOf, type AdminUser } from '../actor';
import { parseInput } from '../validate';

interface Context {
  body: unknown;
  query: unknown;
  request: { body?: unknown };
  state: { user?: AdminUser };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const review = () => getService(strapi, 'review');
  return {
    async decide(ctx: Context) {
      ctx.body = {
        data: await review().review(parseInput(reviewBodySchema, ctx.request.body), actorOf(ctx.state.user)),
      };
    },
    async counts(ctx: Context) {
      parseInput(noQuerySchema, ctx.query ?? {}, 'query');
      ctx.body = { data: await review().counts() };
    },
  };
};
