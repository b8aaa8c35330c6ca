import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { APP_DIR } from './strapi';

/**
 * Another Strapi process on the same database and files, as a second server of one site would
 * be: booted from the same app, its plugin's workers running, serving no HTTP. `kill()` is a
 * kill -9: nothing is shut down cleanly.
 */
export interface SecondInstance {
  process: ChildProcess;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** `appDir`: the demo app's folder, for callers bundled elsewhere (the benchmarks). */
export async function startSecondInstance(env: Record<string, string>, appDir = APP_DIR): Promise<SecondInstance> {
  const boot = `
    const { createStrapi } = require('@strapi/strapi');
    createStrapi({ appDir: ${JSON.stringify(appDir)}, distDir: ${JSON.stringify(appDir)}, autoReload: false, serveAdminPanel: false })
      .load()
      .then((strapi) => {
        process.stdout.write('ready\\n');
        process.on('SIGTERM', () => strapi.destroy().then(() => process.exit(0)));
      }, (error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', boot], {
    cwd: path.resolve(appDir, '..', '..'),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      STRAPI_TELEMETRY_DISABLED: 'true',
      LOG_LEVEL: 'error',
      NODE_OPTIONS: '--experimental-vm-modules',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`second instance did not boot: ${output}`)), 90_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`second instance exited with ${code}: ${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    process: child,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
