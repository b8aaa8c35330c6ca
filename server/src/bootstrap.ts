import type { Core } from '@strapi/strapi';
import { rbacActions } from './permissions';
import { subscribeScorePersistence } from './persistence';
import { installUploadHook } from './upload-hook';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany(rbacActions);
  installUploadHook(strapi);
  subscribeScorePersistence(strapi);
};
