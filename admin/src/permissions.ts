import type { Permission } from '@strapi/strapi/admin';

type PermissionCheck = Pick<Permission, 'action' | 'subject'>;

/** RBAC actions registered by the server side of the plugin (`plugin::photo-score.settings.*`). */
export const PERMISSIONS = {
  read: [{ action: 'plugin::photo-score.settings.read', subject: null }],
  update: [{ action: 'plugin::photo-score.settings.update', subject: null }],
} satisfies Record<string, PermissionCheck[]>;
