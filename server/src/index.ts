import bootstrap from './bootstrap';
import config from './config';
import register from './register';
import settingsController from './admin-api/controllers/settings';
import vendorsController from './admin-api/controllers/vendors';
import adminRoutes from './admin-api/routes';
import scoring from './services/scoring';
import settings from './services/settings';
import vendors from './services/vendors';

export default {
  register,
  bootstrap,
  config,
  controllers: { settings: settingsController, vendors: vendorsController },
  routes: { admin: adminRoutes },
  services: { scoring, settings, vendors },
};
