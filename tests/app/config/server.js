// Demo-only secrets: set APP_KEYS etc. in the environment for anything but a local try-out.
module.exports = ({ env }) => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  app: { keys: env.array('APP_KEYS', ['photoScoreDemoKeyA', 'photoScoreDemoKeyB']) },
  dirs: { public: env('PUBLIC_DIR', './public') },
});
