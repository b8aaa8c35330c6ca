export const ACTIONS = {
  readSettings: 'plugin::photo-score.settings.read',
  updateSettings: 'plugin::photo-score.settings.update',
  backfill: 'plugin::photo-score.backfill',
} as const;

/** Registered with the admin's RBAC so roles can be granted each action in Settings → Roles. */
export const rbacActions = [
  {
    section: 'plugins',
    displayName: 'Read thresholds',
    uid: 'settings.read',
    subCategory: 'settings',
    pluginName: 'photo-score',
  },
  {
    section: 'plugins',
    displayName: 'Change thresholds',
    uid: 'settings.update',
    subCategory: 'settings',
    pluginName: 'photo-score',
  },
  {
    section: 'plugins',
    displayName: 'Score existing media (backfill, apply thresholds)',
    uid: 'backfill',
    pluginName: 'photo-score',
  },
];
