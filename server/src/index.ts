import bootstrap from './bootstrap';
import config from './config';
import contentTypes from './content-types';
import register from './register';
import settingsController from './admin-api/controllers/settings';
import vendorsController from './admin-api/controllers/vendors';
import adminRoutes from './admin-api/routes';
import scoring from './services/scoring';
import settings from './services/settings';
import vendorBudgets from './services/vendor-budgets';
import vendorCache from './services/vendor-cache';
import vendorState from './services/vendor-state';
import vendors from './services/vendors';

export default {
  register,
  bootstrap,
  config,
  contentTypes,
  controllers: { settings: settingsController, vendors: vendorsController },
  routes: { admin: adminRoutes },
  services: {
    scoring,
    settings,
    vendors,
    'vendor-cache': vendorCache,
    'vendor-budgets': vendorBudgets,
    'vendor-state': vendorState,
  },
};
