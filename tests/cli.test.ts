import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { buildSync } from 'esbuild';
import sharp from 'sharp';

import { scoreToClass } from '../server/src/scorers/score-class';
import { DIMENSION_NAMES } from '../server/src/scorers/local';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'photo-score.js');
const BUNDLE = path.join(ROOT, 'dist', 'cli.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function photoScore(...args: string[]): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Same build as `npm run build:cli`, only when the bundle is missing (scripts/test.js builds first). */
function ensureBundle(): void {
  if (existsSync(BUNDLE)) return;
  buildSync({
    entryPoints: [path.join(ROOT, 'server/src/cli/index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile: BUNDLE,
    logLevel: 'silent',
  });
}

async function photo(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#6a9bd1"/>
    <circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#f2c14e" stroke="#222" stroke-width="5"/>
    <rect x="${width / 2}" y="${height / 4}" width="${width / 3}" height="${height / 2}" fill="#b5452f"/>
    <text x="20" y="${height - 20}" font-size="32" font-family="sans-serif" fill="#fff">CLI test</text>
  </svg>`;
  const grain = await sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 25 } },
  })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'soft-light' }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('photo-score CLI', () => {
  let dir: string;
  let good: string;
  let corrupt: string;
  let album: string;

  beforeAll(async () => {
    ensureBundle();
    dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-cli-'));
    good = path.join(dir, 'good.jpg');
    corrupt = path.join(dir, 'corrupt.jpg');
    album = path.join(dir, 'album');
    await writeFile(good, await photo(800, 600));
    // JPEG magic then garbage: looks like a photo by name and header, decodes to nothing.
    await writeFile(corrupt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x5a)]));
    await mkdir(path.join(album, 'nested'), { recursive: true });
    await writeFile(
      path.join(album, 'a.png'),
      await sharp(await photo(400, 300))
        .png()
        .toBuffer(),
    );
    await writeFile(
      path.join(album, 'nested', 'b.webp'),
      await sharp(await photo(300, 400))
        .webp()
        .toBuffer(),
    );
    await writeFile(path.join(album, 'notes.txt'), 'not an image, and not picked up from a directory');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON line per image with score, class and dimensions', () => {
    const run = photoScore('score', good, '--json');
    expect(run.status).toBe(0);
    const [line, ...rest] = jsonLines(run.stdout);
    expect(rest).toHaveLength(0);
    expect(line.file).toBe(good);
    const score = line.score as number;
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(100);
    expect(line.class).toBe(scoreToClass(score));
    expect(Object.keys(line.dimensions as object).sort()).toEqual([...DIMENSION_NAMES].sort());
  });

  it('reports an unreadable file on its own line, scores the others and exits 1', () => {
    const run = photoScore('score', '--json', corrupt, good);
    expect(run.status).toBe(1);
    const lines = jsonLines(run.stdout);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({ file: corrupt, error: expect.stringMatching(/Cannot read image/) });
    expect(lines[1]).toMatchObject({ file: good, score: expect.any(Number) });
  });

  it('walks directories recursively for image files only', () => {
    const run = photoScore('score', album, '--json');
    expect(run.status).toBe(0);
    const files = jsonLines(run.stdout).map((line) => path.relative(album, line.file as string));
    expect(files).toEqual(['a.png', path.join('nested', 'b.webp')]);
  });

  it('reports a missing path as an error line', () => {
    const missing = path.join(dir, 'missing.jpg');
    const run = photoScore('score', '--json', missing);
    expect(run.status).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([{ file: missing, error: 'no such file or directory' }]);
  });

  it('prints an aligned table without --json, errors on stderr', () => {
    const run = photoScore('score', good, corrupt);
    expect(run.status).toBe(1);
    const [header, row, ...rest] = run.stdout.trimEnd().split('\n');
    // At most the row's reasons follow, indented.
    expect(rest.filter((line) => !/^\s+↳ /.test(line))).toHaveLength(0);
    expect(header).toMatch(/^score\s+class\s+sharp.*file$/);
    expect(row).toMatch(/^\s*\d+\.\d\s+[1-5] \w+/);
    expect(row.endsWith(good)).toBe(true);
    expect(header.indexOf('file')).toBe(row.indexOf(good));
    expect(run.stderr).toContain(corrupt);
  });

  it('says why a blurred photo lost points, in the table and in --json', async () => {
    const blurred = path.join(dir, 'blurred.jpg');
    await writeFile(
      blurred,
      await sharp(await photo(800, 600))
        .blur(10)
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const [line] = jsonLines(photoScore('score', blurred, '--json').stdout);
    expect((line.reasons as Record<string, string>).sharpness).toMatch(/out of focus/);

    const table = photoScore('score', blurred).stdout.trimEnd().split('\n');
    expect(table[1].endsWith(blurred)).toBe(true);
    expect(table[2]).toMatch(/^\s+↳ .*out of focus/);
  });

  it('shows help with --help', () => {
    const run = photoScore('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: photo-score score');
  });

  it.each([[['frobnicate']], [[]], [['score']], [['score', '--verbose', 'x.jpg']]])(
    'prints usage and exits 2 for %j',
    (args) => {
      const run = photoScore(...args);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('Usage: photo-score score');
      expect(run.stdout).toBe('');
    },
  );
});
