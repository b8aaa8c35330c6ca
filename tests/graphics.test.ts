import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { runCli } from '../server/src/cli';
import { loadAppInChildProcess, startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';
import { attachAll, jpeg, type Upload } from './helpers/multipart';
import { crispPhoto } from './helpers/images';

interface StoredFile {
  id: number;
  name: string;
  photoScore: number | null;
  photoScoreStatus: string;
  photoScoreDetails: {
    content?: 'photo' | 'graphic';
    contentCheck?: { confidence: number; why: string };
    reason?: string;
    reasons?: Record<string, string>;
  } | null;
}

const png = (name: string, bytes: Buffer): Upload => ({ name, bytes, contentType: 'image/png' });

/** A logo drawn in SVG and rendered to a PNG with a transparent background. */
const logo = (fill: string): Promise<Buffer> =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">
        <circle cx="200" cy="160" r="110" fill="${fill}"/>
        <rect x="150" y="110" width="100" height="100" fill="${fill === '#000000' ? '#444444' : '#ffffff'}"/>
        <text x="200" y="360" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="64" fill="${fill}">acme</text>
      </svg>`,
    ),
  )
    .png()
    .toBuffer();

/** An admin-panel-like screen: sidebar, header, cards, table rows and text. */
function screen(): Buffer {
  const rows = Array.from(
    { length: 12 },
    (_, i) =>
      `<rect x="300" y="${260 + i * 40}" width="940" height="39" fill="${i % 2 ? '#ffffff' : '#f6f6f9'}"/>
       <text x="320" y="${285 + i * 40}" font-family="sans-serif" font-size="14" fill="#32324d">holiday-${i}.jpg</text>
       <text x="700" y="${285 + i * 40}" font-family="sans-serif" font-size="14" fill="#32324d">${(i * 7.3).toFixed(1)}</text>
       <rect x="900" y="${268 + i * 40}" width="70" height="22" rx="11" fill="#eaf5e8"/>
       <text x="912" y="${284 + i * 40}" font-family="sans-serif" font-size="12" fill="#328048">scored</text>`,
  ).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="800">
      <rect width="100%" height="100%" fill="#f6f6f9"/>
      <rect width="240" height="100%" fill="#ffffff"/>
      <rect x="16" y="80" width="208" height="36" rx="4" fill="#4945ff"/>
      <text x="30" y="104" font-family="sans-serif" font-size="15" fill="#ffffff">Media Library</text>
      <text x="30" y="150" font-family="sans-serif" font-size="15" fill="#32324d">Content Manager</text>
      <text x="30" y="190" font-family="sans-serif" font-size="15" fill="#32324d">Settings</text>
      <text x="300" y="60" font-family="sans-serif" font-size="28" font-weight="bold" fill="#32324d">Photo Score</text>
      <rect x="300" y="100" width="280" height="120" rx="6" fill="#ffffff" stroke="#eaeaef"/>
      <text x="320" y="140" font-family="sans-serif" font-size="14" fill="#666687">Uploads this week</text>
      <text x="320" y="190" font-family="sans-serif" font-size="36" font-weight="bold" fill="#32324d">1,284</text>
      <rect x="610" y="100" width="280" height="120" rx="6" fill="#ffffff" stroke="#eaeaef"/>
      <text x="630" y="140" font-family="sans-serif" font-size="14" fill="#666687">Flagged</text>
      <text x="630" y="190" font-family="sans-serif" font-size="36" font-weight="bold" fill="#d02b20">17</text>
      ${rows}
    </svg>`,
  );
}

describe('graphics are not judged as photos', () => {
  describe("with graphics: 'skip' (the default) and rejectBelow 40", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp({ PHOTO_SCORE_REJECT_BELOW: '40' });
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('stores a transparent logo and a screenshot (PNG and JPEG) as skipped graphics, refusing none', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        png('logo.png', await logo('#e63946')),
        png('screen.png', await sharp(screen()).png().toBuffer()),
        jpeg('screen.jpg', await sharp(screen()).jpeg({ quality: 80 }).toBuffer()),
      ]);
      expect(res.body.error?.message).toBeUndefined();
      expect(res.status).toBe(201);
      const files = await withStoredDetails(app, res.body as StoredFile[]);
      expect(files.map((f) => f.name)).toEqual(['logo.png', 'screen.png', 'screen.jpg']);
      const [logoFile, screenPng, screenJpeg] = files;
      for (const graphic of [logoFile, screenPng, screenJpeg]) {
        expect(graphic.photoScoreStatus).toBe('skipped');
        expect(graphic.photoScore).toBeNull();
        expect(graphic.photoScoreDetails?.content).toBe('graphic');
        expect(graphic.photoScoreDetails?.reason).toMatch(
          /^graphic \(logo, icon, screenshot or illustration\): not judged as a photo \(.+\)$/,
        );
        expect(graphic.photoScoreDetails?.contentCheck?.why).toBeTruthy();
      }
      expect(logoFile.photoScoreDetails?.reason).toMatch(/transparent background/);
    });

    it('still judges a photo: scored, or refused for its score, never skipped', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        jpeg('photo.jpg', await crispPhoto()),
      ]);
      if (res.status === 400) {
        expect(res.body.error.message).toMatch(/"photo\.jpg" scored [\d.]+, below the minimum of 40/);
      } else {
        expect(res.status).toBe(201);
        const [photo] = await withStoredDetails(app, res.body as StoredFile[]);
        expect(photo.photoScoreDetails?.content).toBe('photo');
        expect(photo.photoScoreStatus).toBe('scored');
      }
    });

    it('records the content on the stored file, filterable like the other fields', async () => {
      const res = await app.http
        .get('/api/upload/files?filters[photoScoreStatus][$eq]=skipped')
        .set('Authorization', `Bearer ${app.apiToken}`);
      expect(res.status).toBe(200);
      const names = (res.body as StoredFile[]).map((f) => f.name).sort();
      expect(names).toEqual(['logo.png', 'screen.jpg', 'screen.png']);
    });
  });

  describe("with graphics: 'score'", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp({ PHOTO_SCORE_GRAPHICS: 'score' });
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('scores a photo as before, recording that it is one', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        jpeg('photo.jpg', await crispPhoto()),
      ]);
      expect(res.status).toBe(201);
      const [photo] = await withStoredDetails(app, res.body as StoredFile[]);
      expect(photo.photoScoreStatus).toBe('scored');
      expect(typeof photo.photoScore).toBe('number');
      expect(photo.photoScoreDetails?.content).toBe('photo');
      expect(photo.photoScoreDetails?.contentCheck?.why).toMatch(/noise floor/);
    });

    it('scores the logo, still recording that it is a graphic', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        png('logo.png', await logo('#e63946')),
      ]);
      expect(res.status).toBe(201);
      const [file] = await withStoredDetails(app, res.body as StoredFile[]);
      expect(file.photoScoreStatus).toBe('scored');
      expect(typeof file.photoScore).toBe('number');
      expect(file.photoScoreDetails?.content).toBe('graphic');
    });

    it('sees a black logo on a transparent background on white: not "underexposed", nothing "crushed"', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        png('black-logo.png', await logo('#000000')),
      ]);
      expect(res.status).toBe(201);
      const [file] = await withStoredDetails(app, res.body as StoredFile[]);
      expect(file.photoScoreStatus).toBe('scored');
      const reasons = Object.values(file.photoScoreDetails?.reasons ?? {}).join('; ');
      expect(reasons).not.toMatch(/underexposed|crushed/);
    });
  });

  describe("with graphics: 'skip' and the offline NSFW check on", () => {
    let app: TestApp;
    // As in deep-mode.test.ts: thresholds of 0 make the model judge every image NSFW (no
    // explicit image is committed), which exercises verdict → policy on a skipped graphic.
    beforeAll(async () => {
      app = await startApp({
        PHOTO_SCORE_LOCAL_MODERATION: 'true',
        // lowDetail 0: no extra evidence asked of flat, "low-detail" images like this logo.
        PHOTO_SCORE_LOCAL_MODERATION_THRESHOLDS: JSON.stringify({ nsfw: 0, suggestive: 0, lowDetail: 0 }),
        PHOTO_SCORE_NSFW: 'reject',
      });
    });
    afterAll(async () => {
      await app?.stop();
    });

    it('still moderates a graphic it does not judge: drawings can be explicit too', async () => {
      const res = await attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [
        png('drawing.png', await logo('#e63946')),
      ]);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/"drawing\.png" judged NSFW by local-moderation/);
    });
  });

  it('says photo or graphic on each CLI --json line, and in the table', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'photo-score-graphics-cli-'));
    try {
      await writeFile(path.join(dir, 'a-logo.png'), await logo('#e63946'));
      await writeFile(path.join(dir, 'b-photo.jpg'), await crispPhoto(800, 600));
      const lines: string[] = [];
      const output = { out: (line: string) => lines.push(line), err: () => undefined };
      expect(await runCli(['score', dir, '--json'], output)).toBe(0);
      const rows = lines.map((line) => JSON.parse(line) as { file: string; content: string });
      expect(rows.map((row) => [path.basename(row.file), row.content])).toEqual([
        ['a-logo.png', 'graphic'],
        ['b-photo.jpg', 'photo'],
      ]);
      lines.length = 0;
      await runCli(['score', dir], output);
      expect(lines[0]).toMatch(/\bcontent\s+file$/);
      expect(lines.find((line) => line.includes('a-logo.png'))).toMatch(/\bgraphic\s+\S*a-logo\.png/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to boot on a graphics value it does not know, naming the key', () => {
    const { loaded, output } = loadAppInChildProcess({ PHOTO_SCORE_GRAPHICS: 'sometimes' });
    expect(loaded).toBe(false);
    expect(output).toMatch(/photo-score/);
    expect(output).toMatch(/graphics/);
  });
});
