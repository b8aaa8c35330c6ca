#!/usr/bin/env node
/**
 * Upload latency with the plugin on against the plugin off.
 *
 *   node bench/upload.bench.js [--iterations 20]
 *
 * Boots the demo app twice (plugin enabled and disabled), then alternates the same
 * POST /api/upload between the two, so both see the same machine load, and prints the
 * median latency of each and the ratio on/off, for a 1.9 MP and a 12 MP JPEG.
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const sharp = require('sharp');

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 20;
const WARM_UP = 3;

function boot(enabled) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'serve-app.js')], {
      env: { ...process.env, PHOTO_SCORE_ENABLED: String(enabled) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /READY (\d+) (\S+)/.exec(out);
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}`, token: match[2] });
    });
    child.on('exit', (code) => reject(new Error(`app (plugin ${enabled ? 'on' : 'off'}) exited with ${code}`)));
  });
}

async function photo(width, height) {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i += 3) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const x = (i / 3) % width;
    const y = Math.floor(i / 3 / width);
    const grain = ((state >>> 24) - 128) * 0.4;
    pixels[i] = Math.max(0, Math.min(255, 80 + (x / width) * 130 + grain));
    pixels[i + 1] = Math.max(0, Math.min(255, 60 + (y / height) * 150 + grain));
    pixels[i + 2] = Math.max(0, Math.min(255, 170 - (x / width) * 90 + grain));
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .blur(0.8)
    .jpeg({ quality: 88 })
    .toBuffer();
}

async function upload(app, bytes, name) {
  const form = new FormData();
  form.append('files', new Blob([bytes], { type: 'image/jpeg' }), name);
  const started = performance.now();
  const res = await fetch(`${app.url}/api/upload`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${app.token}` },
  });
  const body = await res.json();
  const ms = performance.now() - started;
  if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
  return { ms, assessMs: body[0].photoScoreDetails?.durationMs };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

(async () => {
  const on = await boot(true);
  const off = await boot(false);
  try {
    console.log(
      `upload latency, plugin on vs off (median of ${iterations} alternating uploads each, after ${WARM_UP} warm-up)`,
    );
    for (const [label, width, height] of [
      ['1600x1200 (1.9 MP)', 1600, 1200],
      ['4000x3000 (12 MP)', 4000, 3000],
    ]) {
      const bytes = await photo(width, height);
      const times = { on: [], off: [] };
      const assessed = [];
      for (let i = 0; i < WARM_UP + iterations; i++) {
        const order =
          i % 2 === 0
            ? [
                ['on', on],
                ['off', off],
              ]
            : [
                ['off', off],
                ['on', on],
              ];
        for (const [key, app] of order) {
          const { ms, assessMs } = await upload(app, bytes, `bench-${i}.jpg`);
          if (i < WARM_UP) continue;
          times[key].push(ms);
          if (key === 'on') assessed.push(assessMs);
        }
      }
      const mOn = median(times.on);
      const mOff = median(times.off);
      console.log(
        `  ${label.padEnd(20)} ${(bytes.length / 1e6).toFixed(2)} MB  on ${mOn.toFixed(1)} ms  off ${mOff.toFixed(1)} ms  ratio on/off ${(mOn / mOff).toFixed(2)}  (+${(mOn - mOff).toFixed(1)} ms; scoring itself ${median(assessed).toFixed(1)} ms)`,
      );
    }
  } finally {
    on.child.kill('SIGTERM');
    off.child.kill('SIGTERM');
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
