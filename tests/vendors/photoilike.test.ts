import { createHash, randomBytes } from 'node:crypto';

import sharp from 'sharp';

import { photoilike, SESSION_TOKEN_LIFETIME_MS, toPercent } from '../../server/src/scorers/vendors/photoilike';
import { instantiateVendor } from '../../server/src/vendor-http/define';
import { VendorError, type VendorFailure } from '../../server/src/vendor-http/errors';
import type { VendorImage, VendorScorer } from '../../server/src/vendor-http/types';
import { startPhotoILikeFake, type PhotoILikeFake } from './photoilike-server';

const ACCOUNT = {
  username: 'studio-scoring',
  password: 'pil-password-7c1e93d2b0',
  // Real client-keys are ~358 characters; a shorter one keeps echoed bodies within the error snippet.
  clientKey: `ck-${'5f0e2a9c'.repeat(4)}`,
};

const MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
const EXT = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;

/** A prepared image as the pipeline would hand it over: random pixels, really encoded. */
async function preparedImage(format: VendorImage['format'], side = 64): Promise<VendorImage> {
  const bytes = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .toFormat(format)
    .toBuffer();
  return {
    bytes,
    format,
    mime: MIME[format],
    ext: EXT[format],
    width: side,
    height: side,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

const deadline = () => AbortSignal.timeout(15_000);

/** The failure a call ends with, or a test failure when it succeeds. */
async function failureOf(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VendorError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** The most calls that started within any window of `windowMs`. */
const busiestWindow = (arrivals: number[], windowMs: number): number => {
  const sorted = [...arrivals].sort((a, b) => a - b);
  return Math.max(0, ...sorted.map((start) => sorted.filter((at) => at >= start && at - start < windowMs).length));
};

let fake: PhotoILikeFake;
let jpeg: VendorImage;

const scorerFor = (overrides: Record<string, unknown> = {}): VendorScorer =>
  instantiateVendor(
    photoilike,
    photoilike.configSchema.parse({
      enabled: true,
      baseUrl: `${fake.url}/v2.0`,
      ...ACCOUNT,
      timeoutMs: 400,
      retries: 2,
      ...overrides,
    }),
  );

/** A scorer that already holds a session token, so injected faults hit the scoring call. */
async function warmScorer(overrides: Record<string, unknown> = {}): Promise<VendorScorer> {
  const scorer = scorerFor(overrides);
  await scorer.score(jpeg, deadline());
  return scorer;
}

beforeAll(async () => {
  jpeg = await preparedImage('jpeg');
});

beforeEach(async () => {
  fake = await startPhotoILikeFake({
    username: ACCOUNT.username,
    password: ACCOUNT.password,
    clientKeys: [ACCOUNT.clientKey],
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await fake.close();
});

describe('configuration', () => {
  it('defaults to the documented production URL and 5 requests per second, and needs the credentials', () => {
    const config = photoilike.configSchema.parse(ACCOUNT);
    expect(config.baseUrl).toBe('https://api.photoilike.com/v2.0');
    expect(config.ratePerSecond).toBe(5);
    expect(() => photoilike.configSchema.parse({ ...ACCOUNT, password: '' })).toThrow();
    expect(() => photoilike.configSchema.parse({ username: 'u', password: 'p' })).toThrow();
    expect(photoilike.secretKeys).toEqual(expect.arrayContaining(['password', 'clientKey']));
  });

  it('maps 0–10 linearly to 0–100 with one decimal', () => {
    expect(toPercent(0)).toBe(0);
    expect(toPercent(10)).toBe(100);
    expect(toPercent(7.35)).toBe(73.5);
    expect(toPercent(6.666)).toBe(66.7);
  });
});

describe('a correct request', () => {
  it('logs in, sends the image as base64 with its extension, and normalises the score', async () => {
    const verdict = await scorerFor().score(jpeg, deadline());

    expect(verdict).toEqual({ score: 73.5, raw: { id: 'job-1', score: 7.35 } });
    const [login] = fake.callsTo('authenticate');
    expect(JSON.parse(login.body.toString())).toEqual({ username: ACCOUNT.username, password: ACCOUNT.password });
    const [call] = fake.callsTo('score');
    expect(call.method).toBe('POST');
    expect(call.headers['content-type']).toMatch(/^application\/json/);
    expect(call.headers.authorization).toBe(`Bearer ${fake.issuedTokens[0]}`);
    const body = JSON.parse(call.body.toString());
    expect(Object.keys(body).sort()).toEqual(['client-key', 'ext', 'image-base64']);
    expect(body['client-key']).toBe(ACCOUNT.clientKey);
    expect(body.ext).toBe('jpg');
    expect(Buffer.from(body['image-base64'], 'base64').equals(jpeg.bytes)).toBe(true);
  });

  it.each(['png', 'webp'] as const)('sends %s with its own extension', async (format) => {
    const image = await preparedImage(format);
    await expect(scorerFor().score(image, deadline())).resolves.toMatchObject({ score: 73.5 });
    expect(JSON.parse(fake.callsTo('score')[0].body.toString()).ext).toBe(EXT[format]);
  });
});

describe('session token', () => {
  it('logs in once for many scores, including concurrent ones', async () => {
    const scorer = scorerFor();
    await Promise.all([1, 2, 3, 4].map(() => scorer.score(jpeg, deadline())));
    await scorer.score(jpeg, deadline());

    expect(fake.callsTo('authenticate')).toHaveLength(1);
    expect(fake.callsTo('score')).toHaveLength(5);
    expect(new Set(fake.callsTo('score').map((req) => req.headers.authorization)).size).toBe(1);
  });

  it('renews the token before using it once its 24 h are up', async () => {
    const scorer = await warmScorer();
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + SESSION_TOKEN_LIFETIME_MS + 1000);

    await expect(scorer.score(jpeg, deadline())).resolves.toMatchObject({ score: 73.5 });
    expect(fake.callsTo('authenticate')).toHaveLength(2);
    expect(fake.unauthorised).toBe(0);
    expect(fake.callsTo('score').at(-1)?.headers.authorization).toBe(`Bearer ${fake.issuedTokens[1]}`);
  });

  it('on a 401, logs in again and retries the call exactly once', async () => {
    const scorer = await warmScorer();
    fake.revokeSessions();

    await expect(scorer.score(jpeg, deadline())).resolves.toMatchObject({ score: 73.5 });
    expect(fake.callsTo('authenticate')).toHaveLength(2);
    expect(fake.callsTo('score')).toHaveLength(3);
    expect(fake.unauthorised).toBe(1);
  });

  it('a second 401 right after a fresh login is kind auth, with no further attempts', async () => {
    const scorer = await warmScorer();
    fake.refuseEverySession(true);

    const failure = await failureOf(scorer.score(jpeg, deadline()));
    expect(failure.kind).toBe('auth');
    expect(failure.message).toMatch(/^photoilike: session token refused again right after a fresh login/);
    expect(fake.callsTo('authenticate')).toHaveLength(2);
    expect(fake.callsTo('score')).toHaveLength(3);
  });

  it('wrong credentials: kind auth, one login attempt, no scoring call', async () => {
    const scorer = scorerFor({ password: 'not-the-password' });
    const failure = await failureOf(scorer.score(jpeg, deadline()));

    expect(failure.kind).toBe('auth');
    expect(failure.message).toMatch(/login refused: check the username and password \(HTTP 401/);
    expect(fake.callsTo('authenticate')).toHaveLength(1);
    expect(fake.callsTo('score')).toHaveLength(0);
  });

  it('a login answer without id_token is invalid-response', async () => {
    fake.server.inject({ reply: { status: 200, body: { token: 'abcd-efgh' } }, times: 1 });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('invalid-response');
    expect(fake.callsTo('score')).toHaveLength(0);
  });

  it('a login that keeps failing with 5xx gives up after the retries (kind server)', async () => {
    fake.server.inject({ reply: { status: 503, body: { message: 'Service Unavailable' } } });
    const failure = await failureOf(scorerFor().score(jpeg, deadline()));
    expect(failure.kind).toBe('server');
    expect(failure.message).toMatch(/login failed/);
    expect(fake.callsTo('authenticate')).toHaveLength(3);
  });
});

describe('documented errors from the vendor', () => {
  it('credits exhausted: 402, kind quota, tried once', async () => {
    const scorer = await warmScorer();
    fake.setCredits(0);
    const failure = await failureOf(scorer.score(jpeg, deadline()));

    expect(failure.kind).toBe('quota');
    expect(failure.details.status).toBe(402);
    expect(failure.message).toMatch(/^photoilike: all available credits have been exhausted/);
    expect(fake.callsTo('score')).toHaveLength(2);
  });

  it('an inactive client-key: 403, kind auth, tried once', async () => {
    const failure = await failureOf(scorerFor({ clientKey: 'ck-unknown-key-0000' }).score(jpeg, deadline()));
    expect(failure.kind).toBe('auth');
    expect(failure.details.status).toBe(403);
    expect(fake.callsTo('score')).toHaveLength(1);
  });

  it.each<[number, VendorFailure]>([
    [400, 'rejected'],
    [402, 'quota'],
    [403, 'auth'],
    [413, 'rejected'],
    [415, 'rejected'],
    [422, 'rejected'],
  ])('HTTP %i is kind %s and is tried once', async (status, kind) => {
    const scorer = await warmScorer();
    fake.server.inject({ reply: { status, body: { message: `refused with ${status}` } } });

    const failure = await failureOf(scorer.score(jpeg, deadline()));
    expect(failure.kind).toBe(kind);
    expect(failure.details.status).toBe(status);
    expect(fake.callsTo('score')).toHaveLength(2);
  });
});

describe('injected faults', () => {
  it('latency beyond the timeout: kind timeout after the retries', async () => {
    const scorer = await warmScorer();
    fake.server.inject({ latencyMs: 1500 });

    const failure = await failureOf(scorer.score(jpeg, deadline()));
    expect(failure.kind).toBe('timeout');
    expect(fake.callsTo('score')).toHaveLength(4);
  });

  it('a server that never answers: kind timeout after the retries', async () => {
    const scorer = await warmScorer();
    fake.server.inject({ hang: true });

    const failure = await failureOf(scorer.score(jpeg, deadline()));
    expect(failure.kind).toBe('timeout');
    expect(fake.callsTo('score')).toHaveLength(4);
  });

  it('429 with Retry-After: waits at least that long, then succeeds', async () => {
    const scorer = await warmScorer();
    fake.server.inject({
      reply: { status: 429, headers: { 'retry-after': '1' }, body: { message: 'Too Many Requests' } },
      times: 1,
    });

    const started = Date.now();
    await expect(scorer.score(jpeg, deadline())).resolves.toMatchObject({ score: 73.5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.callsTo('score')).toHaveLength(3);
  });

  it('5xx then success: retried until it works', async () => {
    const scorer = await warmScorer();
    fake.server.inject({ reply: { status: 503, body: { message: 'Service Unavailable' } }, times: 2 });

    await expect(scorer.score(jpeg, deadline())).resolves.toMatchObject({ score: 73.5 });
    expect(fake.callsTo('score')).toHaveLength(4);
  });

  it('5xx forever: gives up after the retries, kind server', async () => {
    const scorer = await warmScorer();
    fake.server.inject({ reply: { status: 500, body: { message: 'Internal Server Error' } } });

    const failure = await failureOf(scorer.score(jpeg, deadline()));
    expect(failure.kind).toBe('server');
    expect(fake.callsTo('score')).toHaveLength(4);
  });

  it.each([
    ['malformed JSON', '{"id": "job-1", "sco'],
    ['a score outside 0–10', { id: 'job-1', score: 42 }],
    ['a missing score', { id: 'job-1', result: 7.35 }],
    ['a score as a string', { id: 'job-1', score: '7.35' }],
  ])('%s is invalid-response, tried once', async (_label, body) => {
    const scorer = await warmScorer();
    fake.server.inject({ reply: { status: 200, body } });

    const failure = await failureOf(scorer.score(jpeg, deadline()));
    expect(failure.kind).toBe('invalid-response');
    expect(fake.callsTo('score')).toHaveLength(2);
  });
});

describe('rate limit', () => {
  it('starts at most 5 scoring calls per second (measured on the fake)', async () => {
    const scorer = scorerFor({ timeoutMs: 2000 });
    const verdicts = await Promise.all(Array.from({ length: 11 }, () => scorer.score(jpeg, deadline())));

    expect(verdicts).toHaveLength(11);
    expect(fake.rateLimited).toBe(0);
    const arrivals = fake.scoreArrivals;
    expect(arrivals).toHaveLength(11);
    expect(busiestWindow(arrivals, 1000)).toBeLessThanOrEqual(5);
    // 11 calls at 5 per second cannot finish starting in under two seconds.
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(1900);
  });

  it('the fake does enforce it: a client allowed 50 per second is refused', async () => {
    const scorer = scorerFor({ ratePerSecond: 50, concurrency: 10, retries: 0 });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => scorer.score(jpeg, deadline())));

    expect(fake.rateLimited).toBeGreaterThan(0);
    const kinds = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' && outcome.reason instanceof VendorError ? [outcome.reason.kind] : [],
    );
    expect(kinds).toContain('rate-limited');
  });
});

describe('the fake enforces the documented contract', () => {
  const post = async (path: string, body: unknown, token?: string) => {
    const response = await fetch(`${fake.url}/v2.0/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { message?: string } };
  };
  const login = async () => {
    const answer = await post('authenticate', { username: ACCOUNT.username, password: ACCOUNT.password });
    return (answer.body as { id_token: string }).id_token;
  };
  const base64 = () => jpeg.bytes.toString('base64');

  it('refuses image-url together with image-base64, base64 without ext, and an ext outside the list', async () => {
    const token = await login();
    const key = ACCOUNT.clientKey;
    const both = await post(
      'score',
      { 'client-key': key, 'image-url': 'https://example.com/a.jpg', 'image-base64': base64(), ext: 'jpg' },
      token,
    );
    const noExt = await post('score', { 'client-key': key, 'image-base64': base64() }, token);
    const gif = await post('score', { 'client-key': key, 'image-base64': base64(), ext: 'gif' }, token);
    const wrongExt = await post('score', { 'client-key': key, 'image-base64': base64(), ext: 'png' }, token);
    const extra = await post('score', { 'client-key': key, 'image-base64': base64(), ext: 'jpg', quality: 1 }, token);

    expect([both.status, noExt.status, gif.status, wrongExt.status, extra.status]).toEqual([400, 400, 400, 400, 400]);
    expect(both.body.message).toMatch(/disjoint/);
    expect(noExt.body.message).toMatch(/ext is required/);
  });

  it('refuses unknown, missing and expired session tokens with 401', async () => {
    const token = await login();
    const body = { 'client-key': ACCOUNT.clientKey, 'image-base64': base64(), ext: 'jpg' };
    expect((await post('score', body, 'made-up-token')).status).toBe(401);
    expect((await post('score', body)).status).toBe(401);
    expect((await post('score', body, token)).status).toBe(200);

    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + SESSION_TOKEN_LIFETIME_MS + 1);
    expect((await post('score', body, token)).status).toBe(401);
  });

  it('refuses a non-JSON body, other methods and paths', async () => {
    const token = await login();
    const form = await fetch(`${fake.url}/v2.0/score`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: 'x=1',
    });
    const get = await fetch(`${fake.url}/v2.0/score`, { headers: { authorization: `Bearer ${token}` } });
    const other = await fetch(`${fake.url}/v1/score`, { method: 'POST' });
    expect([form.status, get.status, other.status]).toEqual([400, 405, 404]);
  });
});

describe('secrets', () => {
  it('never show the password, the client-key or a session token in an error message', async () => {
    const messages: string[] = [];
    const collect = async (promise: Promise<unknown>) => messages.push((await failureOf(promise)).message);

    // The fake echoes session tokens in its 401 bodies and the client-key in its 403 bodies.
    const scorer = await warmScorer();
    fake.refuseEverySession(true);
    await collect(scorer.score(jpeg, deadline()));
    fake.refuseEverySession(false);

    // Bodies that echo what they were sent: the scorer's own token first, then its credentials.
    const leakyBody = (status: number, token = '') => ({
      status,
      body: { message: `echo: ${token} ${ACCOUNT.password} ${ACCOUNT.clientKey}` },
    });
    const healthy = await warmScorer();
    const healthyToken = fake.issuedTokens.at(-1);
    for (const status of [400, 402, 500]) {
      fake.server.inject({ reply: leakyBody(status, healthyToken) });
      await collect(healthy.score(jpeg, deadline()));
      fake.server.clearFaults();
    }
    fake.server.inject({ reply: leakyBody(401), times: 1 });
    await collect(scorerFor().score(jpeg, deadline()));
    await collect(scorerFor({ clientKey: `${ACCOUNT.clientKey}-revoked` }).score(jpeg, deadline()));
    await collect(scorerFor({ password: `${ACCOUNT.password}-old` }).score(jpeg, deadline()));

    const secrets = [ACCOUNT.password, ACCOUNT.clientKey, ...fake.issuedTokens];
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(3);
    expect(messages).toHaveLength(7);
    for (const message of messages) {
      for (const secret of secrets) expect(message).not.toContain(secret);
    }
    expect(messages.filter((message) => message.includes('[redacted]')).length).toBeGreaterThanOrEqual(5);
  });
});
