import type { Core } from '@strapi/strapi';
import { getService } from './get-service';

/** Lets the background jobs in hand finish before Strapi closes the database. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await getService(strapi, 'jobs').stop();
};
