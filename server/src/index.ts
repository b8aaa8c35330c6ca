import bootstrap from './bootstrap';
import destroy from './destroy';
import config from './config';
import contentTypes from './content-types';
import register from './register';
import backfillController from './admin-api/controllers/backfill';
import libraryController from './admin-api/controllers/library';
import reviewController from './admin-api/controllers/review';
import tryController from './admin-api/controllers/try';
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
  controllers: {
    backfill: backfillController,
    library: libraryController,
    review: reviewController,
    settings: settingsController,
    try: tryController,
    vendors: vendorsController,
  },
  routes: { admin: adminRoutes },
  services,
};
