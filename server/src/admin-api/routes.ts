import { ACTIONS } from '../permissions';

const guardedBy = (action: string) => ({
  policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [action] } }],
});

export default {
  type: 'admin' as const,
  routes: [
    { method: 'GET', path: '/settings', handler: 'settings.get', config: guardedBy(ACTIONS.readSettings) },
    { method: 'PUT', path: '/settings', handler: 'settings.update', config: guardedBy(ACTIONS.updateSettings) },
    { method: 'GET', path: '/vendors', handler: 'vendors.status', config: guardedBy(ACTIONS.readSettings) },
    {
      method: 'POST',
      path: '/vendors/:id/resume',
      handler: 'vendors.resume',
      config: guardedBy(ACTIONS.updateSettings),
    },
  ],
};
