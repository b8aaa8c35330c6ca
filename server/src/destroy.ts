import type { Core } from '@strapi/strapi';
import { getService } from './get-service';
import { destroyEmbeddedPool } from './scorers/pool';

/** Lets the background jobs and vendor feedback in hand finish, and closes the job engine's connections, before Strapi closes the database. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await Promise.all([getService(strapi, 'jobs').stop(), getService(strapi, 'review').settled()]);
  // Ends the embedded scorer's worker threads (≈ 80–290 MB each); after the jobs, which may be waiting on one.
  await destroyEmbeddedPool();
};
