import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { crispPhoto } from './helpers/images';

const ROOT = path.resolve(__dirname, '..');
const EVAL = path.join(ROOT, 'scripts', 'eval.js');

function runEval(...args: string[]) {
  const result = spawnSync(process.execPath, [EVAL, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Twelve photos the shipped model has never seen, blurred more and more, with opinion scores
 * that fall with the blur: a set on which agreement must be clearly positive.
 */
describe('npm run eval', () => {
  let dir: string;
  let images: string;
  let csv: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-eval-'));
    images = path.join(dir, 'images');
    await mkdir(images);
    const crisp = await crispPhoto(640, 480, 3);
    const rows = ['filename,MOS'];
    for (let level = 0; level < 12; level++) {
      const name = `photo-${level}.jpg`;
      const bytes =
        level === 0
          ? crisp
          : await sharp(crisp)
              .blur(0.6 * level)
              .jpeg({ quality: 90 })
              .toBuffer();
      await writeFile(path.join(images, name), bytes);
      rows.push(`${name},${90 - 6 * level}`);
    }
    csv = path.join(dir, 'scores.csv');
    await writeFile(csv, `${rows.join('\n')}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores unseen images with the shipped model and prints the agreement figures and timing', () => {
    const run = runEval(images, csv);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('12 images');
    expect(run.stdout).toMatch(/protocol: shipped model as is \(fitted on none of these 12 images\)/);
    const srocc = Number(/SROCC (-?\d\.\d+)/.exec(run.stdout)?.[1]);
    expect(srocc).toBeGreaterThan(0.8);
    expect(run.stdout).toMatch(/KROCC -?\d\.\d+ {2}PLCC -?\d\.\d+ {2}PLCC after 4-parameter logistic -?\d\.\d+/);
    expect(run.stdout).toMatch(
      /one core\): mean \d+\.\d ms, p95 \d+\.\d ms \(CPU time: mean \d+\.\d ms, p95 \d+\.\d ms\)/,
    );
  });

  it('names a missing MOS column', async () => {
    const bad = path.join(dir, 'no-mos.csv');
    await writeFile(bad, 'image,rating\nphoto-0.jpg,50\n');
    const run = runEval(images, bad);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('lacks an opinion-score column (mos/score)');
  });

  it('lists images the table names but the directory lacks', async () => {
    const bad = path.join(dir, 'extra.csv');
    const rows = Array.from({ length: 12 }, (_, level) => `photo-${level}.jpg,50`);
    await writeFile(bad, ['image,mos', ...rows, 'elsewhere.jpg,40'].join('\n'));
    const run = runEval(images, bad);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`1 of 13 images listed in ${bad} are not in ${images}: elsewhere.jpg`);
  });

  it('refuses a missing image directory', () => {
    const run = runEval(path.join(dir, 'nowhere'), csv);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('image directory not found');
  });
});
