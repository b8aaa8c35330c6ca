import { ACTIONS } from '../../../shared/permissions';

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
    ...(
      [
        ['POST', '/backfill/estimate', 'estimate'],
        ['POST', '/backfill', 'start'],
        ['GET', '/backfill', 'list'],
        ['GET', '/backfill/:id', 'progress'],
        ['POST', '/backfill/:id/pause', 'pause'],
        ['POST', '/backfill/:id/resume', 'resume'],
        ['POST', '/backfill/:id/cancel', 'cancel'],
        ['POST', '/apply', 'apply'],
      ] as const
    ).map(([method, path, action]) => ({
      method,
      path,
      handler: `backfill.${action}`,
      config: guardedBy(ACTIONS.backfill),
    })),
  ],
};
