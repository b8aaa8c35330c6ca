import backfill from './backfill';
import decisions from './decisions';
import jobs from './jobs';
import library from './library';
import pipeline from './pipeline';
import refusals from './refusals';
import review from './review';
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
  decisions,
  library,
  refusals,
  review,
  'vendor-cache': vendorCache,
  'vendor-budgets': vendorBudgets,
  'vendor-state': vendorState,
};

export default services;

export type Services = { [Name in keyof typeof services]: ReturnType<(typeof services)[Name]> };
