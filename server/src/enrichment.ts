// Kept at this path for scorers/content.ts, which imports it from here; the stage is pipeline/enrich.ts.
export { enrichmentFields } from './pipeline/enrich';
