import { createHash } from 'node:crypto';
import sharp from 'sharp';
import {
  aiImageRating,
  instantiateAiImageRating,
  isAiImageRatingScorer,
  type AiImageRatingConfig,
  type AiImageRatingScorer,
} from '../../server/src/scorers/vendors/ai-image-rating';
import { instantiateVendor } from '../../server/src/vendor-http/define';
import { VendorError } from '../../server/src/vendor-http/errors';
import type { VendorImage } from '../../server/src/vendor-http/types';
import {
  AIR_CLIENT_ID,
  AIR_CLIENT_SECRET,
  AIR_DIMENSIONS,
  startAiImageRatingServer,
  type AirFake,
} from './ai-image-rating-server';
import { bearer, parseMultipart, type RecordedRequest } from './fake-server';

const TIMEOUT_MS = 500;

let fake: AirFake;
let jpeg: VendorImage;
/** Every failure message seen, checked for credentials and tokens at the end. */
const failureMessages: string[] = [];
const issuedTokens = new Set<string>();

const imageFrom = (bytes: Buffer, width: number, height: number): VendorImage => ({
  bytes,
  format: 'jpeg',
  mime: 'image/jpeg',
  ext: 'jpg',
  width,
  height,
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

const configFor = (overrides: Partial<AiImageRatingConfig> = {}): AiImageRatingConfig =>
  aiImageRating.configSchema.parse({
    enabled: true,
    baseUrl: fake.baseUrl,
    clientId: AIR_CLIENT_ID,
    clientSecret: AIR_CLIENT_SECRET,
    timeoutMs: TIMEOUT_MS,
    retries: 2,
    ...overrides,
  });

const scorerFor = (overrides: Partial<AiImageRatingConfig> = {}): AiImageRatingScorer =>
  instantiateAiImageRating(configFor(overrides));

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

const to = (path: string) => (req: RecordedRequest) => req.path === `/api/v1/${path}`;
const count = (path: string) => fake.requests.filter(to(path)).length;

/** Logs in once so that injected faults hit the call under test, not the token exchange. */
async function warmedScorer(overrides: Partial<AiImageRatingConfig> = {}): Promise<AiImageRatingScorer> {
  const scorer = scorerFor(overrides);
  await scorer.usage(signal());
  fake.requests.length = 0;
  return scorer;
}

beforeAll(async () => {
  const bytes = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 180, g: 90, b: 40 } } })
    .jpeg()
    .toBuffer();
  jpeg = imageFrom(bytes, 640, 480);
});

beforeEach(async () => {
  fake = await startAiImageRatingServer();
});

afterEach(async () => {
  for (const req of fake.requests) {
    const token = bearer(req);
    if (token) issuedTokens.add(token);
  }
  await fake.close();
});

afterAll(() => {
  const secrets = [AIR_CLIENT_ID, AIR_CLIENT_SECRET, ...issuedTokens];
  expect(failureMessages.length).toBeGreaterThan(10);
  for (const message of failureMessages) {
    for (const secret of secrets) expect(message).not.toContain(secret);
  }
});

describe('AI Image Rating: rating', () => {
  it('uploads the image as multipart `file` with a bearer token and normalises the answer', async () => {
    const verdict = await scorerFor().score(jpeg, signal());

    const rate = fake.requests.find(to('rate'));
    expect(rate?.method).toBe('POST');
    const form = await parseMultipart(rate as RecordedRequest);
    const file = form.get('file');
    expect(file).toBeInstanceOf(Blob);
    expect(Buffer.from(await (file as Blob).arrayBuffer()).equals(jpeg.bytes)).toBe(true);
    expect((file as Blob).type).toBe('image/jpeg');

    expect(verdict.score).toBe(78.5);
    expect(verdict.dimensions).toEqual(
      Object.fromEntries(Object.entries(AIR_DIMENSIONS).map(([k, v]) => [k, Math.round(v * 100) / 10])),
    );
    expect(Object.keys(verdict.dimensions ?? {})).toHaveLength(18);
    expect(verdict.dimensions?.lighting).toBe(84);
    expect(verdict.tags).toEqual([
      { name: 'portrait', confidence: 92 },
      { name: 'fashion', confidence: 87.4 },
      { name: 'studio', confidence: 65 },
    ]);
    expect(verdict.moderation).toEqual({ level: 'safe', confidence: 0, label: 'safe' });
    expect(verdict.faces).toBe(1);
    expect(verdict.raw).toMatchObject({
      rating: 'High',
      needs_review: false,
      image_hash: 'a1b2c3d4e5f6',
      quality: { is_acceptable: true },
    });
    expect(JSON.stringify(verdict.raw)).not.toContain(AIR_CLIENT_SECRET);
  });

  it.each([
    ['revealing', false, { level: 'suggestive', confidence: 100, label: 'revealing' }],
    ['suggestive', false, { level: 'suggestive', confidence: 100, label: 'suggestive' }],
    ['nsfw', false, { level: 'nsfw', confidence: 100, label: 'nsfw' }],
    ['nsfw', true, { level: 'nsfw', confidence: 50, label: 'nsfw' }],
  ])('maps content level %s (conflict %s) to moderation', async (level, conflict, expected) => {
    fake.state.rating = {
      ...fake.state.rating,
      content_rating: { level, detail: null, content_rating_conflict: conflict },
    };
    expect((await scorerFor().score(jpeg, signal())).moderation).toEqual(expected);
  });

  it('leaves out null dimensions and keeps working without face data', async () => {
    const { face_count: _faces, ...rest } = fake.state.rating;
    fake.state.rating = { ...rest, dimension_scores: { ...AIR_DIMENSIONS, facial_clarity: null } };
    const verdict = await scorerFor().score(jpeg, signal());
    expect(verdict.dimensions).not.toHaveProperty('facial_clarity');
    expect(verdict.faces).toBeUndefined();
  });

  it('is a VendorScorer with the documented image limits', () => {
    const scorer = instantiateVendor(aiImageRating, configFor());
    expect(isAiImageRatingScorer(scorer)).toBe(true);
    expect(scorer.image).toMatchObject({ formats: ['jpeg', 'png', 'webp'], maxBytes: 25 * 1024 * 1024 });
  });
});

describe('AI Image Rating: session token', () => {
  it('exchanges the client credentials as JSON once and shares the token across concurrent calls', async () => {
    const scorer = scorerFor();
    await Promise.all([...Array(5)].map(() => scorer.score(jpeg, signal())));
    await scorer.usage(signal());

    expect(count('token')).toBe(1);
    const tokenRequest = fake.requests.find(to('token')) as RecordedRequest;
    expect(tokenRequest.headers['content-type']).toContain('application/json');
    expect(JSON.parse(tokenRequest.body.toString())).toEqual({
      client_id: AIR_CLIENT_ID,
      client_secret: AIR_CLIENT_SECRET,
    });
    const bearers = new Set(fake.requests.filter((r) => !to('token')(r)).map(bearer));
    expect(bearers.size).toBe(1);
  });

  it('renews the token once when the vendor answers 401, and succeeds', async () => {
    const scorer = await warmedScorer();
    fake.revokeTokens();
    await expect(scorer.score(jpeg, signal())).resolves.toMatchObject({ score: 78.5 });
    expect(fake.requests.map((r) => r.path)).toEqual(['/api/v1/rate', '/api/v1/token', '/api/v1/rate']);
  });

  it('renews exactly once per call: a second 401 is an auth failure', async () => {
    const scorer = await warmedScorer();
    fake.rejectAllTokens(true);
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe('auth');
    expect(count('rate')).toBe(1 + 1);
    expect(count('token')).toBe(1);
  });

  it('renews the token before it expires when the answer says when', async () => {
    fake.state.tokenLifetimeSeconds = 1;
    const scorer = scorerFor();
    await scorer.score(jpeg, signal());
    await scorer.score(jpeg, signal());
    expect(count('token')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await scorer.score(jpeg, signal());
    expect(count('token')).toBe(2);
    // Renewed ahead of time: no call was refused for an expired token.
    expect(fake.requests.filter(to('rate')).length).toBe(3);
  });

  it('fails with kind auth on wrong credentials, asking once', async () => {
    const error = await failure(scorerFor({ clientSecret: 'sk_wrong_secret_value' }).score(jpeg, signal()));
    expect(error.kind).toBe('auth');
    expect(error.details.status).toBe(401);
    expect(count('token')).toBe(1);
    expect(count('rate')).toBe(0);
    expect(error.message).not.toContain('sk_wrong_secret_value');
  });
});

describe('AI Image Rating: documented errors', () => {
  it('refuses an image that is not an accepted format (415, tried once)', async () => {
    const notAnImage = imageFrom(Buffer.from('definitely not an image'), 1, 1);
    const error = await failure(scorerFor().score(notAnImage, signal()));
    expect(error.kind).toBe('rejected');
    expect(error.details.status).toBe(415);
    expect(count('rate')).toBe(1);
  });

  it('refuses an image over 25 MB (413, tried once)', async () => {
    const huge = Buffer.alloc(25 * 1024 * 1024 + 1024);
    jpeg.bytes.copy(huge);
    const error = await failure(scorerFor({ timeoutMs: 5_000 }).score(imageFrom(huge, 640, 480), signal()));
    expect(error.kind).toBe('rejected');
    expect(error.details.status).toBe(413);
    expect(count('rate')).toBe(1);
  });

  it('stops at once when the monthly quota is spent (kind quota, not retried as a rate limit)', async () => {
    fake.state.used = fake.state.limit;
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('quota');
    expect(error.details.status).toBe(429);
    expect(count('rate')).toBe(1);
  });

  it.each([
    [402, 'Payment required', 'quota'],
    [403, 'Usage limit reached for this client', 'quota'],
    [403, 'Forbidden', 'auth'],
    [400, 'Bad request', 'rejected'],
    [413, 'Request entity too large', 'rejected'],
    [415, 'Unsupported media type', 'rejected'],
    [422, 'Unprocessable entity', 'rejected'],
  ])('HTTP %i (%s) is kind %s and tried once', async (status, text, kind) => {
    const scorer = await warmedScorer();
    fake.inject({ reply: { status, body: { detail: text } } });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe(kind);
    expect(error.details.status).toBe(status);
    expect(fake.requests).toHaveLength(1);
  });

  it('never shows credentials or tokens in an error, even when the vendor echoes them', async () => {
    const scorer = scorerFor();
    await scorer.usage(signal());
    const token = String(bearer(fake.requests.find(to('usage')) as RecordedRequest));
    expect(token).toMatch(/^air_tok_/);
    fake.inject({
      reply: { status: 400, body: { detail: `bad request from ${AIR_CLIENT_ID}:${AIR_CLIENT_SECRET} with ${token}` } },
    });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(AIR_CLIENT_SECRET);
    expect(error.message).not.toContain(token);
  });
});

describe('AI Image Rating: faults', () => {
  it('times out when the answer comes later than timeoutMs (kind timeout, after retries)', async () => {
    const scorer = await warmedScorer();
    fake.inject({ latencyMs: TIMEOUT_MS + 400 });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe('timeout');
    expect(count('rate')).toBe(3);
  });

  it('times out when the vendor never answers', async () => {
    const scorer = await warmedScorer({ retries: 0 });
    fake.inject({ hang: true });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe('timeout');
  });

  it('waits at least Retry-After after a 429, then succeeds', async () => {
    const scorer = await warmedScorer();
    fake.inject({
      times: 1,
      reply: { status: 429, headers: { 'retry-after': '1' }, body: { detail: 'Rate limit exceeded' } },
    });
    const started = Date.now();
    await expect(scorer.score(jpeg, signal())).resolves.toMatchObject({ score: 78.5 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(count('rate')).toBe(2);
  });

  it('retries a 5xx and succeeds', async () => {
    const scorer = await warmedScorer();
    fake.inject({ times: 1, reply: { status: 503, body: { detail: 'Service Unavailable' } } });
    await expect(scorer.score(jpeg, signal())).resolves.toMatchObject({ score: 78.5 });
    expect(count('rate')).toBe(2);
  });

  it('gives up with kind server when 5xx persists', async () => {
    const scorer = await warmedScorer();
    fake.inject({ reply: { status: 500, body: { detail: 'Internal Server Error' } } });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe('server');
    expect(count('rate')).toBe(3);
  });

  it('reports malformed JSON as invalid-response, tried once', async () => {
    const scorer = await warmedScorer();
    fake.inject({ reply: { status: 200, body: '{"score": 78.5, "rating": ' } });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe('invalid-response');
    expect(count('rate')).toBe(1);
  });

  it.each([
    ['a score out of range', { score: 7.8 * 100 }],
    ['a rating not in Low/Medium/High', { rating: 'Excellent' }],
    ['tag confidence as a percentage', { tags: [{ tag: 'portrait', confidence: 92 }] }],
    ['an unknown content level', { content_rating: { level: 'explicit' } }],
    ['dimensions on a 0–100 scale', { dimension_scores: { lighting: 84 } }],
  ])('reports a wrong schema (%s) as invalid-response', async (_case, change) => {
    const scorer = await warmedScorer();
    fake.inject({ reply: { status: 200, body: { ...fake.state.rating, ...change } } });
    const error = await failure(scorer.score(jpeg, signal()));
    expect(error.kind).toBe('invalid-response');
    expect(count('rate')).toBe(1);
  });

  it('reports a token answer without access_token as invalid-response', async () => {
    fake.inject({ reply: { status: 200, body: { token: 'x' } } });
    const error = await failure(scorerFor().score(jpeg, signal()));
    expect(error.kind).toBe('invalid-response');
  });
});

describe('AI Image Rating: usage and feedback', () => {
  it('reads usage with the bearer token and validates it', async () => {
    const scorer = scorerFor();
    await scorer.score(jpeg, signal());
    await expect(scorer.usage(signal())).resolves.toEqual({ used: 1, limit: 1000, remaining: 999 });
    const usage = fake.requests.find(to('usage'));
    expect(usage?.method).toBe('GET');
    expect(bearer(usage as RecordedRequest)).toMatch(/^air_tok_/);
  });

  it('reports a usage answer of the wrong shape as invalid-response', async () => {
    const scorer = await warmedScorer();
    fake.inject({ reply: { status: 200, body: { used: '42', limit: 1000 } } });
    expect((await failure(scorer.usage(signal()))).kind).toBe('invalid-response');
  });

  it('sends feedback as JSON with dimensions on the vendor scale', async () => {
    const scorer = scorerFor();
    await scorer.score(jpeg, signal());
    const answer = await scorer.feedback(
      { imageHash: 'a1b2c3d4e5f6', userScore: 3, dimensionFeedback: { lighting: 90, composition: 72.5 } },
      signal(),
    );
    expect(answer).toMatchObject({ status: 'accepted' });
    expect(fake.state.feedback).toEqual([
      { image_hash: 'a1b2c3d4e5f6', user_score: 3, dimension_feedback: { lighting: 9, composition: 7.3 } },
    ]);
    const request = fake.requests.find(to('feedback')) as RecordedRequest;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toContain('application/json');
  });

  it('sends feedback without dimensions, and accepts an empty answer', async () => {
    const scorer = scorerFor();
    await scorer.score(jpeg, signal());
    fake.requests.length = 0;
    fake.inject({ times: 1, reply: { status: 204 } });
    await expect(scorer.feedback({ imageHash: 'a1b2c3d4e5f6', userScore: 4 }, signal())).resolves.toEqual({});
    await scorer.feedback({ imageHash: 'a1b2c3d4e5f6', userScore: 4 }, signal());
    expect(fake.state.feedback).toEqual([{ image_hash: 'a1b2c3d4e5f6', user_score: 4 }]);
  });

  it('reports feedback on an image the vendor never rated as its refusal', async () => {
    const scorer = await warmedScorer();
    const error = await failure(scorer.feedback({ imageHash: 'never-rated', userScore: 3 }, signal()));
    expect(error.message).toMatch(/404/);
    expect(fake.state.feedback).toEqual([]);
  });
});
