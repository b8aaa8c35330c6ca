import bootstrap from './bootstrap';
import config from './config';
import register from './register';
import settingsController from './admin-api/controllers/settings';
import adminRoutes from './admin-api/routes';
import scoring from './services/scoring';
import settings from './services/settings';

export default {
  register,
  bootstrap,
  config,
  controllers: { settings: settingsController },
  routes: { admin: adminRoutes },
  services: { scoring, settings },
};
