#!/usr/bin/env node
/**
 * What a vendor adds to an upload beyond the vendor's own latency.
 *
 *   node bench/vendor-overhead.bench.js [--iterations 15] [--latency 200]
 *
 * Runs the strict Everypixel stand-in from the tests on loopback with a fixed answer delay,
 * boots the demo app twice (embedded scorer only; Everypixel then local), and alternates
 * the same uploads (fresh bytes each time, so the result cache never answers). Prints the
 * median latency of each, the difference, and that difference less the fixed vendor delay:
 * the plugin's own cost of calling a vendor (re-encoding, multipart, HTTP, validation).
 */
'use strict';
const { bootApp, syntheticPhoto, timedUpload, median } = require('./harness');
const { requireTypeScript } = require('../scripts/require-ts');

const arg = (name, fallback) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback;
const iterations = arg('--iterations', 15);
const latencyMs = arg('--latency', 200);
const WARM_UP = 2;

const { startEverypixelFake } = requireTypeScript(
  ["export { startEverypixelFake } from './tests/vendors/everypixel-server';"],
  'bench-everypixel-fake',
);

(async () => {
  const fake = await startEverypixelFake({ clientId: 'bench', clientSecret: 'bench-secret', score: 0.6 });
  fake.server.inject({ latencyMs });
  const local = await bootApp({ PHOTO_SCORE_SCORERS: 'local' });
  const vendor = await bootApp({
    PHOTO_SCORE_SCORERS: 'everypixel,local',
    EVERYPIXEL_CLIENT_ID: 'bench',
    EVERYPIXEL_CLIENT_SECRET: 'bench-secret',
    EVERYPIXEL_BASE_URL: `${fake.url}/v1`,
  });
  try {
    const times = { local: [], vendor: [] };
    for (let i = 0; i < WARM_UP + iterations; i++) {
      const bytes = await syntheticPhoto({ width: 1600, height: 1200, seed: 1000 + i });
      for (const [key, app] of i % 2
        ? [
            ['local', local],
            ['vendor', vendor],
          ]
        : [
            ['vendor', vendor],
            ['local', local],
          ]) {
        const { ms, file } = await timedUpload(app, bytes, `overhead-${i}.jpg`);
        const scorers = file.photoScoreDetails.scorers;
        if (key === 'vendor' && !scorers[0].ok) throw new Error(`vendor failed: ${scorers[0].error}`);
        if (i >= WARM_UP) times[key].push(ms);
      }
    }
    const mLocal = median(times.local);
    const mVendor = median(times.vendor);
    console.log(
      `vendor overhead: Everypixel stand-in answering after ${latencyMs} ms, 1600×1200 JPEG, median of ${iterations}`,
    );
    console.log(
      `  local only ${mLocal.toFixed(1)} ms   everypixel ${mVendor.toFixed(1)} ms   ratio ${(mVendor / mLocal).toFixed(2)}`,
    );
    console.log(
      `  added ${(mVendor - mLocal).toFixed(1)} ms, of which the vendor's own delay ${latencyMs} ms: overhead ${(mVendor - mLocal - latencyMs).toFixed(1)} ms`,
    );
  } finally {
    local.child.kill('SIGTERM');
    vendor.child.kill('SIGTERM');
    await fake.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
