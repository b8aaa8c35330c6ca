import backfill from './backfill';
import decision from './decision';
import job from './job';
import refusal from './refusal';
import vendorState from './vendor-state';
import vendorUsage from './vendor-usage';
import vendorVerdict from './vendor-verdict';

/** The plugin's own tables: durable vendor state and background work, shared by every Strapi process on the database. */
export default {
  'vendor-verdict': vendorVerdict,
  'vendor-usage': vendorUsage,
  'vendor-state': vendorState,
  backfill,
  job,
  decision,
  refusal,
};

export const UIDS = {
  verdict: 'plugin::photo-score.vendor-verdict',
  usage: 'plugin::photo-score.vendor-usage',
  state: 'plugin::photo-score.vendor-state',
  backfill: 'plugin::photo-score.backfill',
  job: 'plugin::photo-score.job',
  decision: 'plugin::photo-score.decision',
  refusal: 'plugin::photo-score.refusal',
} as const;
