import bootstrap from './bootstrap';
import destroy from './destroy';
import config from './config';
import contentTypes from './content-types';
import register from './register';
import backfillController from './admin-api/controllers/backfill';
import settingsController from './admin-api/controllers/settings';
import vendorsController from './admin-api/controllers/vendors';
import adminRoutes from './admin-api/routes';
import services from './services';

export default {
  register,
  bootstrap,
  destroy,
  config,
  contentTypes,
  controllers: { backfill: backfillController, settings: settingsController, vendors: vendorsController },
  routes: { admin: adminRoutes },
  services,
};
