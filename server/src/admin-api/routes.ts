import { ACTIONS } from '../../../shared/permissions';

const guardedBy = (action: string) => ({
  policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [action] } }],
});

type Route = readonly [method: 'GET' | 'PUT' | 'POST', path: string, handler: string];

const guarded = (action: string, routes: ReadonlyArray<Route>) =>
  routes.map(([method, path, handler]) => ({ method, path, handler, config: guardedBy(action) }));

export default {
  type: 'admin' as const,
  routes: [
    ...guarded(ACTIONS.read, [
      ['GET', '/files', 'library.files'],
      ['GET', '/files/:id', 'library.file'],
      ['GET', '/distribution', 'library.distribution'],
      ['POST', '/preview', 'library.preview'],
      ['GET', '/calibration', 'library.calibration'],
      ['GET', '/overview', 'library.overview'],
      ['GET', '/refusals', 'library.refusals'],
      ['GET', '/review/counts', 'review.counts'],
      ['POST', '/try', 'try.try'],
    ]),
    ...guarded(ACTIONS.review, [['POST', '/review', 'review.decide']]),
    ...guarded(ACTIONS.readSettings, [
      ['GET', '/settings', 'settings.get'],
      ['GET', '/vendors', 'vendors.status'],
    ]),
    ...guarded(ACTIONS.updateSettings, [
      ['PUT', '/settings', 'settings.update'],
      ['POST', '/vendors/:id/resume', 'vendors.resume'],
    ]),
    ...guarded(ACTIONS.backfill, [
      ['POST', '/backfill/estimate', 'backfill.estimate'],
      ['POST', '/backfill', 'backfill.start'],
      ['GET', '/backfill', 'backfill.list'],
      ['GET', '/backfill/:id', 'backfill.progress'],
      ['POST', '/backfill/:id/pause', 'backfill.pause'],
      ['POST', '/backfill/:id/resume', 'backfill.resume'],
      ['POST', '/backfill/:id/cancel', 'backfill.cancel'],
      ['POST', '/apply', 'backfill.apply'],
    ]),
  ],
};
