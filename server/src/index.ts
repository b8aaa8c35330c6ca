import bootstrap from './bootstrap';
import config from './config';
import contentTypes from './content-types';
import register from './register';
import settingsController from './admin-api/controllers/settings';
import vendorsController from './admin-api/controllers/vendors';
import adminRoutes from './admin-api/routes';
import services from './services';

export default {
  register,
  bootstrap,
  config,
  contentTypes,
  controllers: { settings: settingsController, vendors: vendorsController },
  routes: { admin: adminRoutes },
  services,
};
