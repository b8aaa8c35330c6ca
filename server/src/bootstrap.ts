import type { Core } from '@strapi/strapi';
import { RBAC_ACTIONS } from '../../shared/permissions';
import { FILE_UID } from './attributes';
import { pluginConfig } from './config';
import { registerEvents } from './events';
import { getService } from './get-service';
import { subscribeScorePersistence } from './pipeline/persist';
import { embeddedBackend } from './scorers/pool';
import { installUploadHook } from './upload-hook';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany([...RBAC_ACTIONS]);
  // The webhook store is made on first use, and needs the database: so here, not in register().
  registerEvents(strapi);
  await markUnscored(strapi);
  installUploadHook(strapi);
  subscribeScorePersistence(strapi);
  startEmbeddedScorer(strapi);
  getService(strapi, 'jobs').start();
};

/**
 * Starts the embedded scorer's workers and loads the network the mode needs. Not awaited, so
 * Strapi's boot is not delayed; the first upload awaits the same load.
 */
function startEmbeddedScorer(strapi: Core.Strapi): void {
  embeddedBackend(pluginConfig(strapi).local, 'upload')
    .load()
    .then(
      (loaded) => {
        if (loaded) strapi.log.info(`[photo-score] embedded CNN loaded in ${loaded.loadMs} ms`);
      },
      (error: unknown) => {
        strapi.log.error(
          `[photo-score] embedded CNN failed to load: ${error instanceof Error ? error.message : String(error)}`,
        );
      },
    );
}

/**
 * Files stored before the plugin was installed get the new column empty, not its default:
 * they read `unscored`, so `filters[photoScoreStatus][$eq]=unscored` and a backfill find them.
 */
async function markUnscored(strapi: Core.Strapi): Promise<void> {
  await strapi.db
    .query(FILE_UID)
    .updateMany({ where: { photoScoreStatus: { $null: true } }, data: { photoScoreStatus: 'unscored' } });
}
