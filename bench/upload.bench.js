#!/usr/bin/env node
/**
 * Upload latency with the plugin on (sync and async mode) against the plugin off.
 *
 *   node bench/upload.bench.js [--iterations 20]
 *
 * Boots the demo app three times (plugin in sync mode, in async mode, and disabled), then
 * sends the same POST /api/upload to each in turn, rotating the order, so all see the same
 * machine load, and prints the median latency of each and the ratios against the plugin off,
 * for a 1.9 MP and a 12 MP JPEG. In async mode the response comes before the score; the
 * background job's scoring still shares the cores, as it would in production.
 */
'use strict';
const { bootApp, syntheticPhoto, timedUpload, median } = require('./harness');

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 20;
const WARM_UP = 3;

(async () => {
  const on = await bootApp({ PHOTO_SCORE_ENABLED: 'true' });
  const async = await bootApp({ PHOTO_SCORE_ENABLED: 'true', PHOTO_SCORE_MODE: 'async' });
  const off = await bootApp({ PHOTO_SCORE_ENABLED: 'false' });
  const apps = [
    ['on', on],
    ['async', async],
    ['off', off],
  ];
  try {
    console.log(
      `upload latency, plugin on vs off (median of ${iterations} alternating uploads each, after ${WARM_UP} warm-up)`,
    );
    for (const [label, width, height] of [
      ['1600x1200 (1.9 MP)', 1600, 1200],
      ['4000x3000 (12 MP)', 4000, 3000],
    ]) {
      const bytes = await syntheticPhoto({ width, height });
      const times = { on: [], async: [], off: [] };
      const assessed = [];
      for (let i = 0; i < WARM_UP + iterations; i++) {
        const order = [...apps.slice(i % 3), ...apps.slice(0, i % 3)];
        for (const [key, app] of order) {
          const { ms, file } = await timedUpload(app, bytes, `bench-${i}.jpg`);
          if (i < WARM_UP) continue;
          times[key].push(ms);
          if (key === 'on') assessed.push(file.photoScoreDetails.durationMs);
        }
      }
      const mOn = median(times.on);
      const mAsync = median(times.async);
      const mOff = median(times.off);
      console.log(
        `  ${label.padEnd(20)} ${(bytes.length / 1e6).toFixed(2)} MB  on ${mOn.toFixed(1)} ms  async ${mAsync.toFixed(1)} ms  off ${mOff.toFixed(1)} ms  ratio on/off ${(mOn / mOff).toFixed(2)}  async/off ${(mAsync / mOff).toFixed(2)}  (+${(mOn - mOff).toFixed(1)} ms; scoring itself ${median(assessed).toFixed(1)} ms)`,
      );
    }
  } finally {
    for (const [, app] of apps) app.child.kill('SIGTERM');
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
