import type { Core } from '@strapi/strapi';
import { pluginConfig } from '../config';
import { getService } from '../get-service';
import { createPipeline } from '../pipeline';
import type { VendorGateway } from '../pipeline/score';

/** The pipeline as configured, reaching the vendors through their service. */
export default ({ strapi }: { strapi: Core.Strapi }) =>
  createPipeline({
    config: pluginConfig(strapi),
    // Typed here, not inferred: the services' types are read from this very factory.
    vendors: (): VendorGateway => getService(strapi, 'vendors'),
    warn: (message) => strapi.log.warn(message),
  });
