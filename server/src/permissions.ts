export const ACTIONS = {
  readSettings: 'plugin::photo-score.settings.read',
  updateSettings: 'plugin::photo-score.settings.update',
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
];
