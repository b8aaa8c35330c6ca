/** The admin API's contracts, shared by the server (validation) and the admin (requests, types). */
export * from './common';
export * from './files';
export * from './overview';
export * from './review';
export * from './settings';
export * from './thresholds';
export * from './try';
export * from './backfill';
