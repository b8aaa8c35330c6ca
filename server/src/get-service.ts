import type { Core } from '@strapi/strapi';
import type { Services } from './services';

/**
 * One of the plugin's services, typed by its name. Strapi's registry hands services back
 * untyped; this is the one place that says what each name holds (as Strapi's upload plugin does).
 */
export const getService = <Name extends keyof Services>(strapi: Core.Strapi, name: Name): Services[Name] =>
  strapi.plugin('photo-score').service(name) as Services[Name];
