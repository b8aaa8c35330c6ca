import backfill from './backfill';
import jobs from './jobs';
import pipeline from './pipeline';
import settings from './settings';
import vendorBudgets from './vendor-budgets';
import vendorCache from './vendor-cache';
import vendorState from './vendor-state';
import vendors from './vendors';

/** The plugin's services by the name Strapi registers them under. */
const services = {
  pipeline,
  backfill,
  jobs,
  settings,
  vendors,
  'vendor-cache': vendorCache,
  'vendor-budgets': vendorBudgets,
  'vendor-state': vendorState,
};

export default services;

export type Services = { [Name in keyof typeof services]: ReturnType<(typeof services)[Name]> };
