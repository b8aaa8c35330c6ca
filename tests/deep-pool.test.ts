import workerThreads from 'node:worker_threads';

import { decodeWorkingImageDeferred } from '../server/src/prepare/decode';
import { DEFAULT_MODERATION_THRESHOLDS } from '../server/src/scorers/deep';
import { detectContent } from '../server/src/scorers/content';
import { inThreadEmbedded, type EmbeddedConfig } from '../server/src/scorers/embedded';
import { destroyEmbeddedPool, pooledEmbedded } from '../server/src/scorers/pool';
import { blurryDarkPhoto, crispPhoto, pngPhoto } from './helpers/images';
import { attachAll, jpeg } from './helpers/multipart';
import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';

interface LocalOutcome {
  scorer: string;
  ok: boolean;
  durationMs: number;
  score: number;
  version: string;
}

interface StoredFile {
  id: number;
  photoScore: number;
  photoScoreDetails: { scorers: LocalOutcome[]; content: string; contentCheck: unknown };
}

const DEEP: EmbeddedConfig = { mode: 'deep', moderation: true, moderationThresholds: DEFAULT_MODERATION_THRESHOLDS };

/** As stored: photoScoreDetails is JSON (a NaN reads back null, an undefined key is gone). */
const asStored = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * Every worker thread started while the app runs, to see that the deep mode ran in a pool of
 * `local.threads` workers and that Strapi's destroy ended them. Patched on the module object,
 * which piscina reads at each `new Worker`.
 */
const OriginalWorker = workerThreads.Worker;
const started: { worker: workerThreads.Worker; exited: Promise<number> }[] = [];
class RecordedWorker extends OriginalWorker {
  constructor(...args: ConstructorParameters<typeof OriginalWorker>) {
    super(...args);
    started.push({ worker: this, exited: new Promise((resolve) => this.once('exit', resolve)) });
  }
}

describe('deep mode through the worker pool, in Strapi', () => {
  let app: TestApp | undefined;

  beforeAll(async () => {
    workerThreads.Worker = RecordedWorker;
    app = await startApp({
      PHOTO_SCORE_LOCAL_MODE: 'deep',
      PHOTO_SCORE_LOCAL_MODERATION: 'true',
      PHOTO_SCORE_LOCAL_THREADS: '2',
    });
  });
  afterAll(async () => {
    workerThreads.Worker = OriginalWorker;
    await app?.stop();
  });

  it('scores uploads in the workers exactly as the embedded scorer does on this thread, and ends the workers on destroy', async () => {
    const photos = [
      { name: 'crisp.jpg', bytes: await crispPhoto() },
      { name: 'blurry.jpg', bytes: await blurryDarkPhoto() },
    ];
    const running = app as TestApp;
    // Both at once: with two threads each photo can be scored by its own worker.
    const res = await attachAll(
      running.http.post('/api/upload').set('Authorization', `Bearer ${running.apiToken}`),
      photos.map((photo) => jpeg(photo.name, photo.bytes)),
    );
    expect(res.status).toBe(201);
    const stored = await withStoredDetails(running, res.body as StoredFile[]);

    // What the CLI computes: the same measurements, network, head and defect weights, on the test's own thread.
    const inThread = inThreadEmbedded(DEEP);
    for (const [index, photo] of photos.entries()) {
      const image = await decodeWorkingImageDeferred(photo.bytes);
      const expected = await inThread.score(image);
      const { scorer, ok, durationMs, ...local } = stored[index].photoScoreDetails.scorers.find(
        (s) => s.scorer === 'local',
      ) as LocalOutcome;
      expect({ scorer, ok, durationMs: typeof durationMs }).toEqual({
        scorer: 'local',
        ok: true,
        durationMs: 'number',
      });
      // Everything the embedded scorer says: score, dimensions, reasons, penalties, evidence, NSFW verdict.
      expect(local).toEqual(asStored(expected));
      expect(stored[index].photoScore).toBe(expected.score);
      const content = detectContent(image);
      expect(stored[index].photoScoreDetails).toMatchObject({
        content: content.content,
        contentCheck: { confidence: content.confidence, why: content.why },
      });
    }

    // local.threads: 2 → piscina's two workers, each with its own network, and no others.
    expect(started).toHaveLength(2);
    const stopping = app;
    app = undefined;
    await stopping?.stop();
    // Strapi's destroy closed the pool: every worker has exited (one left would keep jest alive).
    await expect(Promise.all(started.map((s) => s.exited))).resolves.toHaveLength(2);
  });
});

describe('the embedded backend in the pool, against this thread', () => {
  afterAll(() => destroyEmbeddedPool());

  it('gives the same content verdict, score, dimensions and moderation for the same image, in both modes', async () => {
    const images = [await crispPhoto(), await blurryDarkPhoto(), await pngPhoto()];
    for (const config of [DEEP, { ...DEEP, mode: 'fast' as const }]) {
      const pooled = pooledEmbedded(config);
      const inThread = inThreadEmbedded(config);
      await pooled.load();
      for (const bytes of images) {
        // A fresh decode for each: the pool awaits the band a deferred decode left pending.
        const [here, there] = [await decodeWorkingImageDeferred(bytes), await decodeWorkingImageDeferred(bytes)];
        const expected = await inThread.score(here);
        expect(await pooled.content(there)).toEqual(detectContent(here));
        expect(await pooled.score(there)).toEqual(expected);
        expect(await pooled.moderate(there)).toEqual(await inThread.moderate(here));
        // The main thread's copy is untouched: the pool moved copies of its pixels, not them.
        expect(there.data.equals(here.data)).toBe(true);
      }
    }
  });
});
