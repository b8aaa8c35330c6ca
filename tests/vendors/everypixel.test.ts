import { createHash, randomBytes } from 'node:crypto';

import sharp from 'sharp';

import { classifyEverypixel, everypixel, toPercent } from '../../server/src/scorers/vendors/everypixel';
import { instantiateVendor } from '../../server/src/vendor-http/define';
import { VendorError, type VendorFailure } from '../../server/src/vendor-http/errors';
import { deadlineSignal } from '../../server/src/vendor-http/retry';
import type { VendorImage, VendorScorer } from '../../server/src/vendor-http/types';
import { MAX_BYTES, startEverypixelFake, type EverypixelFake } from './everypixel-server';

const CREDENTIALS = { clientId: 'ep-client-4d1f90', clientSecret: 'ep-secret-b83e55c1a0f7' };

const MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
const EXT = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;

/** A prepared image as the pipeline would hand it over; random pixels keep the file large. */
async function preparedImage(format: VendorImage['format'], side: number): Promise<VendorImage> {
  const bytes = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .toFormat(format)
    .toBuffer();
  return withBytes({ format, width: side, height: side }, bytes);
}

const withBytes = (image: Pick<VendorImage, 'format' | 'width' | 'height'>, bytes: Buffer): VendorImage => ({
  ...image,
  bytes,
  mime: MIME[image.format],
  ext: EXT[image.format],
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

const deadline = () => AbortSignal.timeout(15_000);

async function failureOf(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VendorError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

let fake: EverypixelFake;
let jpeg: VendorImage;
let png: VendorImage;

const scorerFor = (overrides: Record<string, unknown> = {}): VendorScorer =>
  instantiateVendor(
    everypixel,
    everypixel.configSchema.parse({
      enabled: true,
      baseUrl: `${fake.url}/v1`,
      ...CREDENTIALS,
      timeoutMs: 400,
      retries: 2,
      ...overrides,
    }),
  );

beforeAll(async () => {
  [jpeg, png] = await Promise.all([preparedImage('jpeg', 256), preparedImage('png', 128)]);
  // The fixtures must sit inside the documented 20 KB–10 MB.
  expect(jpeg.bytes.length).toBeGreaterThan(20 * 1024);
  expect(png.bytes.length).toBeGreaterThan(20 * 1024);
});

beforeEach(async () => {
  fake = await startEverypixelFake(CREDENTIALS);
});

afterEach(async () => {
  await fake.close();
});

describe('configuration', () => {
  it('defaults to the documented production URL and needs both credentials', () => {
    expect(everypixel.configSchema.parse(CREDENTIALS).baseUrl).toBe('https://api.everypixel.com/v1');
    expect(() => everypixel.configSchema.parse({ clientId: 'id' })).toThrow();
    expect(() => everypixel.configSchema.parse({ ...CREDENTIALS, clientSecret: '' })).toThrow();
    expect(everypixel.secretKeys).toContain('clientSecret');
  });

  it('asks the preparation step for JPG/PNG between 20 KB and 10 MB', () => {
    expect(everypixel.image).toMatchObject({
      formats: ['jpeg', 'png'],
      minBytes: 20 * 1024,
      maxBytes: 10 * 1024 * 1024,
    });
  });

  it('maps 0–1 linearly to 0–100 with one decimal', () => {
    expect(toPercent(0)).toBe(0);
    expect(toPercent(1)).toBe(100);
    expect(toPercent(0.5947988033294678)).toBe(59.5);
  });

  it('reads a 429 as the balance used up unless it speaks of a rate', () => {
    const body = (message: string) => JSON.stringify({ status: 'error', message });
    expect(classifyEverypixel(429, body('Balance exhausted'))).toBe('quota');
    expect(classifyEverypixel(429, '')).toBe('quota');
    expect(classifyEverypixel(429, body('Requests quota exhausted for this account'))).toBe('quota');
    expect(classifyEverypixel(429, body('Free requests limit has been reached'))).toBe('quota');
    expect(classifyEverypixel(429, body('Too many requests'))).toBe('rate-limited');
    expect(classifyEverypixel(429, body('Rate limit exceeded: 10 requests per second'))).toBe('rate-limited');
    expect(classifyEverypixel(429, 'Too Many Requests')).toBe('rate-limited');
    expect(classifyEverypixel(503, body('quota service down'))).toBe('server');
  });
});

describe('a correct request', () => {
  it.each(['jpeg', 'png'] as const)(
    'uploads a %s in the multipart field data and normalises the score',
    async (format) => {
      const image = format === 'jpeg' ? jpeg : png;
      const verdict = await scorerFor().score(image, deadline());

      expect(verdict).toEqual({ score: 59.5, raw: { quality: { score: 0.5947988033294678, class: 3 }, status: 'ok' } });
      const [call] = fake.scoringCalls();
      expect(call.method).toBe('POST');
      expect(call.path).toBe('/v1/quality_ugc');
      const form = await new Response(call.body, {
        headers: { 'content-type': String(call.headers['content-type']) },
      }).formData();
      const file = form.get('data');
      expect(file).toBeInstanceOf(Blob);
      const sent = file as Blob;
      expect(sent.type).toBe(image.mime);
      expect(Buffer.from(await sent.arrayBuffer()).equals(image.bytes)).toBe(true);
    },
  );
});

describe('images outside the documented limits are refused locally, without a request', () => {
  it('too small', async () => {
    const small = await preparedImage('jpeg', 16);
    const failure = await failureOf(scorerFor().score(small, deadline()));

    expect(failure.kind).toBe('rejected');
    expect(failure.message).toMatch(/^everypixel: image too small \(\d+\.\d KB; the API accepts 20 KB–10 MB\)$/);
    expect(fake.scoringCalls()).toHaveLength(0);
  });

  it('too large', async () => {
    const large = withBytes(
      { format: 'jpeg', width: 8000, height: 8000 },
      Buffer.concat([jpeg.bytes, Buffer.alloc(MAX_BYTES)]),
    );
    const failure = await failureOf(scorerFor().score(large, deadline()));

    expect(failure.kind).toBe('rejected');
    expect(failure.message).toBe(
      `everypixel: image too large (${(large.bytes.length / 1024 / 1024).toFixed(2)} MB; the API accepts 20 KB–10 MB)`,
    );
    expect(fake.scoringCalls()).toHaveLength(0);
  });

  it('not JPG or PNG', async () => {
    const webp = await preparedImage('webp', 128);
    const failure = await failureOf(scorerFor().score(webp, deadline()));

    expect(failure.kind).toBe('rejected');
    expect(failure.message).toBe('everypixel: WEBP images are not accepted (the API takes JPG or PNG)');
    expect(fake.scoringCalls()).toHaveLength(0);
  });
});

describe('documented errors from the vendor', () => {
  it('wrong credentials: kind auth, tried once', async () => {
    const failure = await failureOf(scorerFor({ clientSecret: 'ep-secret-wrong-000' }).score(jpeg, deadline()));
    expect(failure.kind).toBe('auth');
    expect(failure.details.status).toBe(401);
    expect(fake.scoringCalls()).toHaveLength(1);
  });

  it('quota exhausted (429 saying so): kind quota, tried once', async () => {
    fake.setCredits(0);
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('quota');
    expect(failure.details.status).toBe(429);
    expect(fake.scoringCalls()).toHaveLength(1);
  });

  it('a status other than "ok" is a vendor error (rejected), tried once', async () => {
    fake.server.inject({ reply: { status: 200, body: { status: 'error', message: 'Image could not be decoded' } } });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('rejected');
    expect(failure.message).toBe('everypixel: answered status "error": Image could not be decoded');
    expect(fake.scoringCalls()).toHaveLength(1);
  });

  it('a status other than "ok" that says the quota is used up is kind quota', async () => {
    fake.server.inject({ reply: { status: 200, body: { status: 'error', message: 'Requests quota exhausted' } } });
    await expect(failureOf(scorerFor().score(jpeg, deadline()))).resolves.toMatchObject({ kind: 'quota' });
  });

  it.each<[number, VendorFailure]>([
    [400, 'rejected'],
    [402, 'quota'],
    [403, 'auth'],
    [413, 'rejected'],
    [415, 'rejected'],
    [422, 'rejected'],
  ])('HTTP %i is kind %s and is tried once', async (status, kind) => {
    fake.server.inject({ reply: { status, body: { status: 'error', message: `refused with ${status}` } } });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe(kind);
    expect(failure.details.status).toBe(status);
    expect(fake.scoringCalls()).toHaveLength(1);
  });
});

describe('injected faults', () => {
  it('latency beyond the timeout: kind timeout after the retries', async () => {
    fake.server.inject({ latencyMs: 1500 });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('timeout');
    expect(fake.scoringCalls()).toHaveLength(3);
  });

  it('a server that never answers: kind timeout after the retries', async () => {
    fake.server.inject({ hang: true });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('timeout');
    expect(fake.scoringCalls()).toHaveLength(3);
  });

  it('429 with Retry-After (a rate limit): waits at least that long, then succeeds', async () => {
    fake.server.inject({
      reply: { status: 429, headers: { 'retry-after': '1' }, body: { status: 'error', message: 'Too many requests' } },
      times: 1,
    });
    const started = Date.now();
    await expect(scorerFor().score(jpeg, deadline())).resolves.toMatchObject({ score: 59.5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.scoringCalls()).toHaveLength(2);
  });

  it('429 with a Retry-After beyond the deadline: fails over at once instead of waiting it out', async () => {
    fake.server.inject({
      reply: { status: 429, headers: { 'retry-after': '3600' }, body: { status: 'error', message: 'Too many requests' } },
    });
    const started = Date.now();
    const failure = await failureOf(scorerFor().score(jpeg, deadlineSignal(15_000)));
    expect(failure.kind).toBe('rate-limited');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.scoringCalls()).toHaveLength(1);
  });

  it('a 429 that is the balance running out is not retried and says quota, Retry-After or not', async () => {
    fake.server.inject({
      reply: { status: 429, headers: { 'retry-after': '5' }, body: { status: 'error', message: 'Balance exhausted' } },
    });
    const started = Date.now();
    const failure = await failureOf(scorerFor().score(jpeg, deadlineSignal(15_000)));
    expect(failure.kind).toBe('quota');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.scoringCalls()).toHaveLength(1);
  });

  it('5xx then success: retried until it works', async () => {
    fake.server.inject({ reply: { status: 502, body: 'Bad Gateway' }, times: 2 });
    await expect(scorerFor().score(jpeg, deadline())).resolves.toMatchObject({ score: 59.5 });
    expect(fake.scoringCalls()).toHaveLength(3);
  });

  it('5xx forever: gives up after the retries, kind server', async () => {
    fake.server.inject({ reply: { status: 500, body: { status: 'error', message: 'Internal error' } } });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('server');
    expect(fake.scoringCalls()).toHaveLength(3);
  });

  it.each([
    ['malformed JSON', '{"quality": {"score": 0.5'],
    ['a score outside 0–1', { quality: { score: 59.5, class: 3 }, status: 'ok' }],
    ['a class outside 1–5', { quality: { score: 0.5, class: 7 }, status: 'ok' }],
    ['no quality', { status: 'ok' }],
    ['no status', { quality: { score: 0.5, class: 3 } }],
  ])('%s is invalid-response, tried once', async (_label, body) => {
    fake.server.inject({ reply: { status: 200, body } });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('invalid-response');
    expect(fake.scoringCalls()).toHaveLength(1);
  });
});

describe('the fake enforces the documented contract', () => {
  const authorization = `Basic ${Buffer.from(`${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`).toString('base64')}`;
  const upload = async (bytes: Buffer, type: string, field = 'data', auth = authorization) => {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(bytes)], { type }), 'upload');
    const response = await fetch(`${fake.url}/v1/quality_ugc`, {
      method: 'POST',
      headers: { authorization: auth },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as { status: string; message?: string } };
  };

  it('refuses images under 20 KB, over 10 MB, and neither JPG nor PNG', async () => {
    const small = await preparedImage('jpeg', 16);
    const gif = await sharp(png.bytes).gif().toBuffer();
    const large = Buffer.concat([jpeg.bytes, Buffer.alloc(MAX_BYTES)]);

    expect(await upload(small.bytes, 'image/jpeg')).toMatchObject({ status: 400, body: { status: 'error' } });
    expect((await upload(large, 'image/jpeg')).status).toBe(413);
    expect((await upload(gif, 'image/png')).status).toBe(415);
    expect((await upload(jpeg.bytes, 'image/jpeg')).status).toBe(200);
  });

  it('refuses a missing data field, a JSON body, wrong credentials and other paths', async () => {
    expect((await upload(jpeg.bytes, 'image/jpeg', 'image')).status).toBe(400);
    expect((await upload(jpeg.bytes, 'image/jpeg', 'data', 'Basic bm9wZTpub3Bl')).status).toBe(401);
    const json = await fetch(`${fake.url}/v1/quality_ugc`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ data: jpeg.bytes.toString('base64') }),
    });
    const get = await fetch(`${fake.url}/v1/quality_ugc`, { headers: { authorization } });
    const other = await fetch(`${fake.url}/v1/quality`, { method: 'POST', headers: { authorization } });
    expect([json.status, get.status, other.status]).toEqual([400, 400, 404]);
  });
});

describe('secrets', () => {
  it('never show the client secret in an error message', async () => {
    const echo = `echo ${CREDENTIALS.clientId}:${CREDENTIALS.clientSecret}`;
    const messages: string[] = [];
    for (const reply of [
      { status: 400, body: { status: 'error', message: echo } },
      { status: 500, body: { status: 'error', message: echo } },
      { status: 429, body: { status: 'error', message: `quota exhausted for ${CREDENTIALS.clientSecret}` } },
      { status: 200, body: { status: 'error', message: echo } },
    ]) {
      fake.server.inject({ reply });
      messages.push((await failureOf(scorerFor().score(jpeg, deadline()))).message);
      fake.server.clearFaults();
    }
    messages.push(
      (await failureOf(scorerFor({ clientSecret: `${CREDENTIALS.clientSecret}-x` }).score(jpeg, deadline()))).message,
    );

    for (const message of messages) expect(message).not.toContain(CREDENTIALS.clientSecret);
    expect(messages.filter((message) => message.includes('[redacted]'))).toHaveLength(4);
  });
});
