import type { Core } from '@strapi/strapi';
import { photoScoreAttributes } from './attributes';
import { pluginConfig } from './config';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const fileContentType = strapi.plugin('upload').contentTypes.file as unknown as {
    attributes: Record<string, unknown>;
  };
  const { publicDetails } = pluginConfig(strapi);
  Object.assign(fileContentType.attributes, photoScoreAttributes, {
    photoScoreDetails: { ...photoScoreAttributes.photoScoreDetails, private: !publicDetails },
  });
};
