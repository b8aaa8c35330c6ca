import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { crispPhoto } from './helpers/images';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain JS script without types
const degradations = require('../scripts/build-degradations.js');

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

/**
 * A tiny degradation set made with the build script's own definitions: two held-out photos
 * and one training photo, blur and JPEG levels and downscaled copies.
 */
describe('npm run eval -- --pairs', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-pairs-'));
    const rows = ['image,photo,split,kind,level'];
    const photos: Array<[string, string, number]> = [
      ['alpha', 'holdout', 3],
      ['beta', 'holdout', 5],
      ['gamma', 'train', 9],
    ];
    for (const [photo, split, seed] of photos) {
      await mkdir(path.join(dir, 'images', photo), { recursive: true });
      const original = await degradations.encodeOriginal(await crispPhoto(640, 480, seed));
      const { data, width, height } = await degradations.decodeRgb(original);
      const copies: Array<[string, number]> = [['original', 0]];
      for (const kind of ['blur', 'jpeg', 'downscale']) {
        degradations.KINDS[kind].levels.forEach((_: number, index: number) => copies.push([kind, index + 1]));
      }
      for (const [kind, level] of copies) {
        const image = `images/${photo}/${level === 0 ? 'original' : `${kind}-${level}`}.jpg`;
        const bytes = level === 0 ? original : await degradations.applyDegradation(data, width, height, kind, level);
        await writeFile(path.join(dir, image), bytes);
        rows.push(`${image},${photo},${split},${kind},${level}`);
      }
    }
    await writeFile(path.join(dir, 'degradations.csv'), `${rows.join('\n')}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints pairwise accuracy per kind, per level pair and overall, and the size rule for downscaled copies', () => {
    const run = runEval('--pairs', dir, '--modes', 'fast');
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('26 images of 2 photos (split holdout)');
    expect(run.stdout).toContain('photos: alpha, beta\n');
    expect(run.stdout).toContain('a tie counts as wrong');
    expect(run.stdout).toMatch(/protocol: shipped model as is \(fitted on none of these 26 images\)/);
    // Two photos: blur has levels 0–4 (10 pairs each), JPEG 0–5 (15 pairs each).
    expect(run.stdout).toMatch(/^ {2}blur: +\d+\.\d % of +20 pairs {3}original vs worst [0-2]\/2 \(\d+\.\d %\)$/m);
    expect(run.stdout).toMatch(/^ {2}jpeg: +\d+\.\d % of +30 pairs {3}original vs worst [0-2]\/2 /m);
    expect(run.stdout).toMatch(/level pairs: 0-1 \d+\.\d %, 0-2 \d+\.\d %, .*, 3-4 \d+\.\d %\n/);
    expect(run.stdout).toMatch(/^ {2}overall: +\d+\.\d % of +50 pairs {3}original vs worst [0-4]\/4 /m);
    expect(run.stdout).not.toMatch(/^ {2}downscale: /m);
    expect(run.stdout).toMatch(
      /copies scoring more than 3 points above their original: [0-6] of 6 \(worst: -?\d+\.\d points, /,
    );
    expect(run.stdout).toMatch(/one core\): mean \d+\.\d ms, p95 \d+\.\d ms/);
    // The strongest blur of a crisp photo must cost points.
    expect(Number(/blur: +[\d.]+ % of +20 pairs {3}original vs worst (\d)\/2/.exec(run.stdout)?.[1])).toBe(2);
  });

  it('scores the training split when asked', () => {
    const run = runEval('--pairs', dir, '--modes', 'fast', '--split', 'train');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('13 images of 1 photos (split train)');
  });

  it('stops with exit code 2 on a missing image, a missing table or an unknown split', async () => {
    const broken = await mkdtemp(path.join(os.tmpdir(), 'photo-score-pairs-broken-'));
    try {
      const noTable = runEval('--pairs', broken, '--modes', 'fast');
      expect(noTable.status).toBe(2);
      expect(noTable.stderr).toContain(`${path.join(broken, 'degradations.csv')} not found`);

      await writeFile(
        path.join(broken, 'degradations.csv'),
        'image,photo,split,kind,level\nimages/alpha/original.jpg,alpha,holdout,original,0\n',
      );
      const noImage = runEval('--pairs', broken, '--modes', 'fast');
      expect(noImage.status).toBe(2);
      expect(noImage.stderr).toContain('1 of 1 images listed in');
      expect(noImage.stderr).toContain('images/alpha/original.jpg');

      const noSplit = runEval('--pairs', dir, '--modes', 'fast', '--split', 'test');
      expect(noSplit.status).toBe(2);
      expect(noSplit.stderr).toContain('no images in split "test" (its splits: holdout, train, or all)');

      expect(runEval('--pairs', path.join(broken, 'nowhere')).stderr).toContain('degradations directory not found');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
