/** The plugin's RBAC checks, one per capability, as the server registers them (`shared/permissions.ts`). */
export { PERMISSIONS } from '../../shared/permissions';
