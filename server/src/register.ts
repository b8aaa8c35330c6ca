import type { Core } from '@strapi/strapi';
import { photoScoreAttributes } from './attributes';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const fileContentType = strapi.plugin('upload').contentTypes.file as unknown as {
    attributes: Record<string, unknown>;
  };
  Object.assign(fileContentType.attributes, photoScoreAttributes);
};
