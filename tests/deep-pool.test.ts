import workerThreads from 'node:worker_threads';

import { decodeWorkingImageDeferred } from '../server/src/prepare/decode';
import { DEFAULT_MODERATION_THRESHOLDS, inThreadDeep } from '../server/src/scorers/deep';
import { embeddedScorer } from '../server/src/scorers/embedded';
import { blurryDarkPhoto, crispPhoto } from './helpers/images';
import { attachAll, jpeg } from './helpers/multipart';
import { startApp, type TestApp } from './helpers/strapi';
import { withStoredDetails } from './helpers/details';

interface LocalOutcome {
  scorer: string;
  ok: boolean;
  score: number;
  version: string;
  raw: unknown;
  moderation: { level: string; confidence: number; label: string };
}

interface StoredFile {
  id: number;
  photoScore: number;
  photoScoreDetails: { scorers: LocalOutcome[] };
}

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

    // What the CLI computes: the same network, head and defect weights, on the test's own thread.
    const inThread = embeddedScorer(
      { mode: 'deep', moderation: true, moderationThresholds: DEFAULT_MODERATION_THRESHOLDS },
      inThreadDeep,
    );
    for (const [index, photo] of photos.entries()) {
      const expected = await inThread.score(await decodeWorkingImageDeferred(photo.bytes));
      const local = stored[index].photoScoreDetails.scorers.find((s) => s.scorer === 'local');
      expect(local).toMatchObject({ ok: true, version: expected.version });
      expect(local?.score).toBe(expected.score);
      expect(local?.raw).toEqual(expected.raw);
      expect(local?.moderation).toEqual(expected.moderation);
      expect(stored[index].photoScore).toBe(expected.score);
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
