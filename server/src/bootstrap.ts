import type { Core } from '@strapi/strapi';
import { rbacActions } from './permissions';
import { pluginConfig } from './config';
import { subscribeScorePersistence } from './pipeline/persist';
import { preloadEmbedded } from './scorers/embedded';
import { installUploadHook } from './upload-hook';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany(rbacActions);
  installUploadHook(strapi);
  subscribeScorePersistence(strapi);
  preloadDeepModel(strapi);
};

/** Not awaited, so Strapi's boot is not delayed; the first upload awaits the same load. */
function preloadDeepModel(strapi: Core.Strapi): void {
  preloadEmbedded(pluginConfig(strapi).local).then(
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
