import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { crispPhoto } from './helpers/images';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'photo-score.js');

// Runs the built CLI (dist/cli.js, bundled with the tfjs/nsfwjs packages left external).
const photoScore = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

describe('photo-score score --mode deep --moderation', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-cli-deep-'));
    const crisp = await crispPhoto(800, 600);
    await writeFile(path.join(dir, 'a-crisp.jpg'), crisp);
    await writeFile(path.join(dir, 'b-blurred.jpg'), await sharp(crisp).blur(5).jpeg({ quality: 90 }).toBuffer());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores with the deep head and prints the offline moderation verdict', () => {
    const run = photoScore('score', dir, '--json', '--mode', 'deep', '--moderation');
    expect(run.status).toBe(0);
    const [crisp, blurred] = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { score: number; moderation: { level: string; confidence: number } });
    expect(crisp.score).toBeGreaterThan(blurred.score);
    expect(crisp.moderation.level).toMatch(/^(safe|suggestive)$/);
    expect(crisp.moderation.confidence).toBeGreaterThanOrEqual(0);
  });

  it('refuses an unknown mode as a usage error', () => {
    const run = photoScore('score', dir, '--mode', 'turbo');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--mode must be fast or deep');
  });
});

describe("photo-score score without the deep mode's optional packages", () => {
  const HIDE_DEEP_PACKAGES = path.join(__dirname, 'helpers', 'hide-deep-packages.js');
  const withoutDeepPackages = (...args: string[]) =>
    spawnSync(process.execPath, ['--require', HIDE_DEEP_PACKAGES, BIN, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('scores in fast mode, and refuses --mode deep and --moderation naming the command that installs them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-cli-lean-'));
    try {
      const file = path.join(dir, 'photo.jpg');
      await writeFile(file, await crispPhoto(400, 300));
      const fast = withoutDeepPackages('score', file, '--json');
      expect(fast.stderr).toBe('');
      expect(fast.status).toBe(0);
      expect(JSON.parse(fast.stdout).score).toEqual(expect.any(Number));

      for (const [args, option] of [
        [['--mode', 'deep'], '--mode deep'],
        [['--moderation'], '--moderation'],
      ] as const) {
        const run = withoutDeepPackages('score', file, ...args);
        expect(run.status).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toContain(`photo-score: ${option} needs the deep mode's packages`);
        expect(run.stderr).toContain('npm install @tensorflow/tfjs-core@4.22.0');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
