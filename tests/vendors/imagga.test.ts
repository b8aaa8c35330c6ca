import { createHash } from 'node:crypto';
import sharp from 'sharp';
import {
  imagga,
  type ImaggaConfig,
  type ImaggaScorer,
  createImaggaScorer,
} from '../../server/src/scorers/vendors/imagga';
import { instantiateVendor } from '../../server/src/vendor-http/define';
import { VendorError } from '../../server/src/vendor-http/errors';
import type { VendorImage } from '../../server/src/vendor-http/types';
import { basicAuth, parseMultipart, type RecordedRequest } from './fake-server';
import {
  IMAGGA_KEY,
  IMAGGA_SECRET,
  exampleTags,
  startImaggaServer,
  underwearNsfw,
  type ImaggaFake,
} from './imagga-server';

const TIMEOUT_MS = 500;
const BASIC_HEADER = Buffer.from(`${IMAGGA_KEY}:${IMAGGA_SECRET}`).toString('base64');

let fake: ImaggaFake;
let jpeg: VendorImage;
const failureMessages: string[] = [];

const imageFrom = (bytes: Buffer, width: number, height: number): VendorImage => ({
  bytes,
  format: 'jpeg',
  mime: 'image/jpeg',
  ext: 'jpg',
  width,
  height,
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

const configFor = (overrides: Record<string, unknown> = {}): ImaggaConfig =>
  imagga.configSchema.parse({
    enabled: true,
    baseUrl: fake.baseUrl,
    apiKey: IMAGGA_KEY,
    apiSecret: IMAGGA_SECRET,
    timeoutMs: TIMEOUT_MS,
    retries: 2,
    ...overrides,
  });

const scorerFor = (overrides: Record<string, unknown> = {}) => instantiateVendor(imagga, configFor(overrides));

/** The typed scorer, built the way instantiateVendor does, to reach its typed usage(). */
function typedScorer(): ImaggaScorer {
  let scorer: ImaggaScorer | undefined;
  instantiateVendor(
    { ...imagga, create: (config, tools) => (scorer = createImaggaScorer(config, tools)) },
    configFor(),
  );
  if (!scorer) throw new Error('not built');
  return scorer;
}

const signal = () => AbortSignal.timeout(15_000);

async function failure(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof VendorError)) throw error;
    failureMessages.push(error.message);
    return error;
  }
  throw new Error('expected the call to fail');
}

const at = (path: string) => (req: RecordedRequest) => req.path === `/v2${path}`;
const count = (path: string) => fake.requests.filter(at(path)).length;

beforeAll(async () => {
  const bytes = await sharp({ create: { width: 480, height: 320, channels: 3, background: { r: 84, g: 121, b: 146 } } })
    .jpeg()
    .toBuffer();
  jpeg = imageFrom(bytes, 480, 320);
});

beforeEach(async () => {
  fake = await startImaggaServer();
});

afterEach(async () => {
  await fake.close();
});

afterAll(() => {
  expect(failureMessages.length).toBeGreaterThan(10);
  for (const message of failureMessages) {
    for (const secret of [IMAGGA_KEY, IMAGGA_SECRET, BASIC_HEADER]) expect(message).not.toContain(secret);
  }
});

describe('Imagga: tagging, moderation, colours', () => {
  it('uploads once, runs every feature on the upload id, deletes the upload, and normalises', async () => {
    const verdict = await scorerFor().score(jpeg, signal());

    const [upload, ...rest] = fake.requests;
    expect(upload.method).toBe('POST');
    expect(upload.path).toBe('/v2/uploads');
    const file = (await parseMultipart(upload)).get('image');
    expect(Buffer.from(await (file as Blob).arrayBuffer()).equals(jpeg.bytes)).toBe(true);
    for (const req of fake.requests) expect(basicAuth(req)).toEqual({ user: IMAGGA_KEY, password: IMAGGA_SECRET });

    const uploadId = fake.state.uploaded[0];
    const features = rest.slice(0, 4);
    expect(features.map((r) => r.path).sort()).toEqual([
      '/v2/categories/nsfw_beta',
      '/v2/categories/personal_photos',
      '/v2/colors',
      '/v2/tags',
    ]);
    for (const req of features) {
      expect(req.method).toBe('GET');
      expect(req.query.get('image_upload_id')).toBe(uploadId);
    }
    expect(features.find(at('/tags'))?.query.get('threshold')).toBe('20');
    expect(rest[4]).toMatchObject({ method: 'DELETE', path: `/v2/uploads/${uploadId}` });
    expect(fake.requests).toHaveLength(6);
    expect(fake.state.uploads.size).toBe(0);

    expect(verdict.score).toBeNull();
    expect(verdict.tags).toEqual([
      { name: 'fashion', confidence: 61.3 },
      { name: 'portrait', confidence: 45 },
      { name: 'model', confidence: 28.4 },
      { name: 'studio', confidence: 21.7 },
      { name: 'people portraits', confidence: 82.6 },
    ]);
    expect(verdict.moderation).toEqual({ level: 'safe', confidence: 2.5, label: 'safe' });
    expect(verdict.colours).toEqual([
      { hex: '#547992', percent: 48.4, name: 'cerulean' },
      { hex: '#83562e', percent: 47.9, name: 'light bronze' },
      { hex: '#1f1b2e', percent: 3.6, name: 'navy blue' },
    ]);
    expect(verdict.raw).toMatchObject({
      tags: { tags: expect.any(Array) },
      nsfw: { categories: expect.any(Array) },
      personal_photos: { categories: [{ name: { en: 'people portraits' } }, expect.anything()] },
      colors: { colors: { image_colors: expect.any(Array), object_percentage: expect.any(Number) } },
    });
    expect(JSON.stringify(verdict.raw)).not.toContain(IMAGGA_SECRET);
  });

  it('keeps tags at or above a configurable threshold, asking Imagga for it and filtering locally too', async () => {
    const scorer = scorerFor({ tagThreshold: 15, features: ['tags'] });
    const verdict = await scorer.score(jpeg, signal());
    expect(fake.requests[0].query.get('threshold')).toBe('15');
    expect(verdict.tags?.map((t) => t.name)).toEqual([
      'fashion',
      'portrait',
      'model',
      'studio',
      'person',
      'attractive',
    ]);

    // Even if the vendor ignored the threshold, nothing under it gets through.
    fake.inject({
      times: 1,
      reply: { status: 200, body: { result: exampleTags(), status: { type: 'success', text: '' } } },
    });
    const unfiltered = await scorer.score(jpeg, signal());
    expect(unfiltered.tags?.every((t) => t.confidence >= 15)).toBe(true);
    expect(unfiltered.tags).toHaveLength(6);
  });

  it('defaults to a tag threshold of 20 and every feature', () => {
    const config = configFor();
    expect(config.tagThreshold).toBe(20);
    expect(config.features).toEqual(['tags', 'nsfw', 'personal_photos', 'colors']);
    expect(scorerFor().image).toMatchObject({ formats: ['jpeg', 'png'], minShortSide: 300, maxLongSide: 1024 });
  });

  it('sends the image itself as multipart `image` when only one feature runs', async () => {
    const verdict = await scorerFor({ features: ['tags'] }).score(jpeg, signal());
    expect(fake.requests).toHaveLength(1);
    const [req] = fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v2/tags' });
    expect((await parseMultipart(req)).get('image')).toBeInstanceOf(Blob);
    expect(fake.state.uploaded).toHaveLength(0);
    expect(verdict).toMatchObject({ score: null, tags: expect.any(Array) });
    expect(verdict.moderation).toBeUndefined();
    expect(verdict.colours).toBeUndefined();
  });

  it('runs only the configured features', async () => {
    const verdict = await scorerFor({ features: ['nsfw', 'colors'] }).score(jpeg, signal());
    const paths = fake.requests.map((r) => r.path);
    expect(paths).toHaveLength(4);
    expect(paths[0]).toBe('/v2/uploads');
    expect(paths.slice(1, 3).sort()).toEqual(['/v2/categories/nsfw_beta', '/v2/colors']);
    expect(paths[3]).toMatch(/^\/v2\/uploads\/i/);
    expect(verdict.tags).toBeUndefined();
    expect(verdict.moderation?.level).toBe('safe');
    expect(verdict.colours).toHaveLength(3);
  });

  it.each([
    ['underwear', underwearNsfw(), { level: 'suggestive', confidence: 98.7, label: 'underwear' }],
    [
      'nsfw',
      {
        categories: [
          { confidence: 91.4, name: { en: 'nsfw' } },
          { confidence: 6.1, name: { en: 'underwear' } },
          { confidence: 2.5, name: { en: 'safe' } },
        ],
      },
      { level: 'nsfw', confidence: 97.5, label: 'nsfw' },
    ],
  ])('reads nsfw_beta %s as moderation', async (_label, categories, expected) => {
    fake.state.nsfw = categories;
    expect((await scorerFor({ features: ['nsfw'] }).score(jpeg, signal())).moderation).toEqual(expected);
  });

  it('drops a personal_photos category under the threshold', async () => {
    fake.state.personalPhotos = { categories: [{ confidence: 12, name: { en: 'pets' } }] };
    const verdict = await scorerFor({ features: ['personal_photos'] }).score(jpeg, signal());
    expect(verdict.tags).toEqual([]);
    expect(verdict.raw).toMatchObject({ personal_photos: { categories: [{ name: { en: 'pets' } }] } });
  });
});

describe('Imagga: documented errors', () => {
  it('fails with kind auth on wrong credentials, asking once', async () => {
    const error = await failure(scorerFor({ apiSecret: 'imagga_wrong_secret' }).score(jpeg, signal()));
    expect(error.kind).toBe('auth');
    expect(error.details.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
    expect(error.message).not.toContain('imagga_wrong_secret');
  });

  it('stops with kind quota when a subscription limit is reached (403), each call tried once, upload deleted', async () => {
    fake.state.monthlyProcessed = fake.state.monthlyLimit;
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('quota');
    expect(error.details.status).toBe(403);
    expect(count('/tags')).toBe(1);
    expect(count('/colors')).toBe(1);
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(fake.state.uploads.size).toBe(0);
  });

  it('rejects an image that is not JPEG or PNG (400, tried once)', async () => {
    const error = await failure(scorerFor().score(imageFrom(Buffer.from('GIF89a not really'), 1, 1), signal()));
    expect(error.kind).toBe('rejected');
    expect(error.details.status).toBe(400);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    [400, 'Missing image parameter.', 'rejected'],
    [403, 'You have reached your monthly quota.', 'quota'],
    [403, 'Forbidden.', 'auth'],
    [404, 'The endpoint does not exist.', 'rejected'],
    [405, 'Method not allowed.', 'rejected'],
    [406, 'Only JSON is served.', 'rejected'],
    [410, 'Gone.', 'rejected'],
    [413, 'Too large.', 'rejected'],
    [415, 'Unsupported media type.', 'rejected'],
    [422, 'Unprocessable.', 'rejected'],
  ])('HTTP %i (%s) is kind %s and tried once', async (status, text, kind) => {
    fake.inject({ reply: { status, body: { status: { type: 'error', text } } } });
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe(kind);
    expect(error.details.status).toBe(status);
    expect(fake.requests).toHaveLength(1);
  });

  it('never shows credentials in an error, even when the vendor echoes them', async () => {
    fake.inject({
      reply: {
        status: 400,
        body: { status: { type: 'error', text: `bad ${IMAGGA_KEY}:${IMAGGA_SECRET} / Basic ${BASIC_HEADER}` } },
      },
    });
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.message).toContain('[redacted]');
    for (const secret of [IMAGGA_KEY, IMAGGA_SECRET, BASIC_HEADER]) expect(error.message).not.toContain(secret);
  });

  it('treats a 2xx answer with an error status as a rejection', async () => {
    fake.inject({
      reply: { status: 200, body: { result: {}, status: { type: 'error', text: 'Could not read the image.' } } },
    });
    const error = await failure(scorerFor({ features: ['colors'] }).score(jpeg, signal()));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('Could not read the image.');
  });
});

describe('Imagga: faults', () => {
  it('times out when answers come later than timeoutMs (kind timeout, after retries)', async () => {
    fake.inject({ latencyMs: TIMEOUT_MS + 400 });
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('timeout');
    expect(count('/uploads')).toBe(3);
  });

  it('times out when Imagga never answers', async () => {
    fake.inject({ hang: true });
    const error = await failure(scorerFor({ retries: 0, features: ['tags'] }).score(jpeg, signal()));
    expect(error.kind).toBe('timeout');
  });

  it('waits at least Retry-After after a 429 (concurrency limit), then succeeds', async () => {
    fake.inject({
      times: 1,
      reply: {
        status: 429,
        headers: { 'retry-after': '1' },
        body: { status: { type: 'error', text: 'Concurrency limit reached.' } },
      },
    });
    const started = Date.now();
    await expect(scorerFor().score(jpeg, signal())).resolves.toMatchObject({ score: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(count('/uploads')).toBe(2);
  });

  it('retries a 5xx and succeeds', async () => {
    fake.inject({ times: 1, reply: { status: 503, body: { status: { type: 'error', text: 'Maintenance.' } } } });
    await expect(scorerFor().score(jpeg, signal())).resolves.toMatchObject({ score: null });
    expect(count('/uploads')).toBe(2);
    expect(fake.state.uploads.size).toBe(0);
  });

  it('gives up with kind server when 5xx persists', async () => {
    fake.inject({ reply: { status: 500, body: { status: { type: 'error', text: 'Internal error.' } } } });
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('server');
    expect(count('/uploads')).toBe(3);
  });

  it('reports malformed JSON as invalid-response, tried once', async () => {
    fake.inject({ reply: { status: 200, body: '{"result": {"upload_id": ' } });
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('invalid-response');
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    [
      'an upload answer without upload_id',
      ['tags', 'nsfw'],
      { result: { id: 'x' }, status: { type: 'success', text: '' } },
    ],
    ['tags as bare strings', ['tags'], { result: { tags: ['fashion'] }, status: { type: 'success', text: '' } }],
    [
      'tag confidence above 100',
      ['tags'],
      { result: { tags: [{ confidence: 612, tag: { en: 'fashion' } }] }, status: { type: 'success', text: '' } },
    ],
    ['no status', ['colors'], { result: { colors: { image_colors: [] } } }],
    [
      'a colour without a hex code',
      ['colors'],
      { result: { colors: { image_colors: [{ percent: 50 }] } }, status: { type: 'success', text: '' } },
    ],
  ])('reports a wrong schema (%s) as invalid-response', async (_case, features, body) => {
    fake.inject({ times: 1, reply: { status: 200, body } });
    const error = await failure(scorerFor({ features }).score(jpeg, signal()));
    expect(error.kind).toBe('invalid-response');
  });

  it('deletes the upload even when one feature fails', async () => {
    fake.state.colours = { colors: { image_colors: 'none' } };
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('invalid-response');
    expect(fake.state.uploaded).toHaveLength(1);
    expect(fake.state.uploads.size).toBe(0);
  });
});

describe('Imagga: usage', () => {
  it('reads /usage with Basic auth and summarises the month', async () => {
    fake.state.monthlyProcessed = 13;
    const usage = await typedScorer().usage(signal());
    expect(usage).toMatchObject({
      used: 13,
      limit: 2000,
      remaining: 1987,
      raw: { billing_period_end: '18 of Nov, 2026' },
    });
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v2/usage' });
  });

  it('reports a usage answer of the wrong shape as invalid-response', async () => {
    fake.inject({
      reply: { status: 200, body: { result: { monthly_limit: 'lots' }, status: { type: 'success', text: '' } } },
    });
    expect((await failure(typedScorer().usage(signal()))).kind).toBe('invalid-response');
  });
});
