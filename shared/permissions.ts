/**
 * The plugin's RBAC actions, one per capability, named once for the server (which registers
 * them and guards its routes with them) and the admin (which hides what a role may not do).
 * Imports nothing, so both sides can import it.
 */
export const PLUGIN_NAME = 'photo-score';

/** `uid` as registered; the admin and the route guards use `plugin::photo-score.<uid>`. */
const UIDS = {
  read: 'read',
  review: 'review',
  backfill: 'backfill',
  readSettings: 'settings.read',
  updateSettings: 'settings.update',
} as const;

type Capability = keyof typeof UIDS;

export const ACTIONS = Object.fromEntries(
  Object.entries(UIDS).map(([capability, uid]) => [capability, `plugin::${PLUGIN_NAME}.${uid}`]),
) as { [C in Capability]: `plugin::photo-score.${(typeof UIDS)[C]}` };

/** What Settings → Roles → Plugins → Photo Score lists, one line per capability. */
export const RBAC_ACTIONS: ReadonlyArray<{
  section: 'plugins';
  displayName: string;
  uid: string;
  subCategory?: string;
  pluginName: typeof PLUGIN_NAME;
}> = [
  {
    section: 'plugins',
    displayName: 'Read scores (the Photo Score page, try a photo)',
    uid: UIDS.read,
    pluginName: PLUGIN_NAME,
  },
  { section: 'plugins', displayName: 'Review images (approve, reject)', uid: UIDS.review, pluginName: PLUGIN_NAME },
  {
    section: 'plugins',
    displayName: 'Score existing media (backfill, apply thresholds)',
    uid: UIDS.backfill,
    pluginName: PLUGIN_NAME,
  },
  {
    section: 'plugins',
    displayName: 'Read thresholds',
    uid: UIDS.readSettings,
    subCategory: 'settings',
    pluginName: PLUGIN_NAME,
  },
  {
    section: 'plugins',
    displayName: 'Change thresholds',
    uid: UIDS.updateSettings,
    subCategory: 'settings',
    pluginName: PLUGIN_NAME,
  },
];

/** The admin's permission checks (`{ action, subject }`), by capability. */
export const PERMISSIONS = Object.fromEntries(
  Object.entries(ACTIONS).map(([capability, action]) => [capability, [{ action, subject: null }]]),
) as { [C in Capability]: Array<{ action: (typeof ACTIONS)[C]; subject: null }> };
