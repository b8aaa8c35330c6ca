/**
 * A strict stand-in for AI Image Rating (vendor-docs/002), served under /api/v1 like the real one.
 * It enforces: JSON token exchange with the right client_id/client_secret; bearer tokens it issued
 * and that have neither expired nor been revoked (401 otherwise, FastAPI style `{"detail": …}`);
 * methods and paths; multipart field `file` holding JPEG/PNG/WebP/GIF/HEIC (415 otherwise, 422 when
 * missing) of at most 25 MB (413); JSON bodies for /feedback with the documented fields (422);
 * a monthly quota (429 with a quota detail once spent). Feedback must name an `image_hash` this
 * server answered from /rate (404 otherwise: the document's feedback corrects a rating it gave).
 */
import { randomUUID } from 'node:crypto';
import {
  bearer,
  parseMultipart,
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
  type Reply,
} from './fake-server';

export const AIR_CLIENT_ID = 'agency_abc123def456';
export const AIR_CLIENT_SECRET = 'sk_air_very_secret_value_42';
export const AIR_MAX_BYTES = 25 * 1024 * 1024;

export const AIR_DIMENSIONS = {
  facial_brightness: 7.4,
  facial_clarity: 8.1,
  facial_skin_tone: 7.9,
  facial_structure: 7.6,
  facial_contour: 7.2,
  facial_aesthetic: 8.0,
  skin_quality: 8.2,
  hair_styling: 6.9,
  body_proportion: 7.1,
  clothing_fit: 8.5,
  overall_look: 7.7,
  color_harmony: 7.6,
  composition: 8.0,
  lighting: 8.4,
  background: 7.2,
  expression_mood: 6.5,
  overall_cohesion: 7.8,
  professional_quality: 8.1,
};

/** The document's example answer; tests change the parts they need. */
export const exampleRating = () => ({
  rating: 'High',
  score: 78.46,
  tags: [
    { tag: 'portrait', confidence: 0.92 },
    { tag: 'fashion', confidence: 0.874 },
    { tag: 'studio', confidence: 0.65 },
  ],
  content_rating: {
    level: 'safe',
    detail: 'Professional fashion photography',
    safe_for_portfolio: true,
    content_rating_conflict: false,
  },
  quality: { width: 3000, height: 4000, sharpness: 850.2, issues: [], is_acceptable: true },
  rejected: false,
  is_original: true,
  portfolio_prob: 0.94,
  image_hash: 'a1b2c3d4e5f6',
  needs_review: false,
  review_reason: null,
  face_count: 1,
  face_confidence: 0.95,
  dimension_scores: { ...AIR_DIMENSIONS },
});

/** The test app's environment that puts this fake first in the chain, the embedded scorer after it. */
export const airAppEnv = (fake: AirFake): Record<string, string> => ({
  PHOTO_SCORE_SCORERS: 'ai-image-rating,local',
  AI_IMAGE_RATING_CLIENT_ID: AIR_CLIENT_ID,
  AI_IMAGE_RATING_CLIENT_SECRET: AIR_CLIENT_SECRET,
  AI_IMAGE_RATING_BASE_URL: fake.baseUrl,
});

export interface AirFake extends FakeServer {
  /** The base URL to configure, /api/v1 included. */
  baseUrl: string;
  state: {
    /** Seconds; undefined = the token answer has no expires_in and tokens never expire. */
    tokenLifetimeSeconds?: number;
    rating: Record<string, unknown>;
    used: number;
    limit: number;
    issued: number;
    feedback: unknown[];
  };
  /** Ends every session server-side, as a restart of the vendor would. */
  revokeTokens(): void;
  /** Refuse every bearer token, even fresh ones. */
  rejectAllTokens(reject: boolean): void;
}

// FastAPI puts a string, or a list of validation errors, under `detail`.
const detail = (status: number, text: unknown): Reply => ({ status, body: { detail: text } });

const startsWith = (bytes: Buffer, ...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);

/** What the vendor accepts, recognised by content as its server does (the declared type is not trusted). */
export function acceptedImageType(bytes: Buffer): string | null {
  if (startsWith(bytes, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'webp';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (
    bytes.subarray(4, 8).toString('latin1') === 'ftyp' &&
    /^(heic|heix|mif1|msf1)$/.test(bytes.subarray(8, 12).toString('latin1'))
  )
    return 'heic';
  return null;
}

export async function startAiImageRatingServer(): Promise<AirFake> {
  const tokens = new Map<string, number>();
  /** The image hashes /rate answered: what feedback may refer to. */
  const rated = new Set<string>();
  let rejectAll = false;
  const state: AirFake['state'] = { rating: exampleRating(), used: 0, limit: 1000, issued: 0, feedback: [] };

  const isJson = (req: RecordedRequest) => String(req.headers['content-type'] ?? '').startsWith('application/json');

  const issueToken = (req: RecordedRequest): Reply => {
    if (!isJson(req)) return detail(422, 'Expected a JSON body');
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return detail(422, 'Body is not valid JSON');
    }
    const { client_id, client_secret } = (body ?? {}) as Record<string, unknown>;
    if (typeof client_id !== 'string' || typeof client_secret !== 'string')
      return detail(422, 'client_id and client_secret are required');
    if (client_id !== AIR_CLIENT_ID || client_secret !== AIR_CLIENT_SECRET)
      return detail(401, 'Invalid client credentials');
    const token = `air_tok_${randomUUID()}`;
    const lifetime = state.tokenLifetimeSeconds;
    tokens.set(token, lifetime === undefined ? Number.POSITIVE_INFINITY : Date.now() + lifetime * 1000);
    state.issued += 1;
    return {
      status: 200,
      body: { access_token: token, token_type: 'bearer', ...(lifetime === undefined ? {} : { expires_in: lifetime }) },
    };
  };

  const authorised = (req: RecordedRequest): Reply | null => {
    const token = bearer(req);
    if (!token) return { ...detail(401, 'Not authenticated'), headers: { 'www-authenticate': 'Bearer' } };
    const expiresAt = tokens.get(token);
    if (rejectAll || expiresAt === undefined || expiresAt <= Date.now()) {
      return { ...detail(401, 'Invalid or expired token'), headers: { 'www-authenticate': 'Bearer' } };
    }
    return null;
  };

  const rate = async (req: RecordedRequest): Promise<Reply> => {
    if (req.body.length > AIR_MAX_BYTES + 64 * 1024) return detail(413, 'File too large (max 25 MB)');
    let form: FormData;
    try {
      form = await parseMultipart(req);
    } catch (error) {
      return detail(422, (error as Error).message);
    }
    const file = form.get('file');
    if (!(file instanceof Blob))
      return detail(422, [{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]);
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length > AIR_MAX_BYTES) return detail(413, 'File too large (max 25 MB)');
    if (!acceptedImageType(bytes)) return detail(415, 'Unsupported image format. Use JPEG, PNG, WebP, GIF or HEIC.');
    if (state.used >= state.limit)
      return detail(429, `Monthly quota exceeded: ${state.used} of ${state.limit} images used`);
    state.used += 1;
    if (typeof state.rating.image_hash === 'string') rated.add(state.rating.image_hash);
    return { status: 200, body: state.rating };
  };

  const feedback = (req: RecordedRequest): Reply => {
    if (!isJson(req)) return detail(422, 'Expected a JSON body');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return detail(422, 'Body is not valid JSON');
    }
    if (typeof body.image_hash !== 'string' || typeof body.user_score !== 'number') {
      return detail(422, 'image_hash and user_score are required');
    }
    if (!rated.has(body.image_hash)) return detail(404, `Unknown image_hash ${body.image_hash}`);
    const dims = body.dimension_feedback;
    if (
      dims !== undefined &&
      (typeof dims !== 'object' || Object.values(dims as object).some((v) => typeof v !== 'number' || v < 0 || v > 10))
    ) {
      return detail(422, 'dimension_feedback values must be 0-10');
    }
    state.feedback.push(body);
    return { status: 200, body: { status: 'accepted', image_hash: body.image_hash } };
  };

  const routes: Record<
    string,
    { method: string; auth: boolean; handle: (req: RecordedRequest) => Reply | Promise<Reply> }
  > = {
    '/api/v1/token': { method: 'POST', auth: false, handle: issueToken },
    '/api/v1/rate': { method: 'POST', auth: true, handle: rate },
    '/api/v1/usage': {
      method: 'GET',
      auth: true,
      handle: () => ({
        status: 200,
        body: { used: state.used, limit: state.limit, remaining: Math.max(0, state.limit - state.used) },
      }),
    },
    '/api/v1/feedback': { method: 'POST', auth: true, handle: feedback },
  };

  const server = await startFakeServer(async (req) => {
    const route = routes[req.path];
    if (!route) return detail(404, 'Not Found');
    if (req.method !== route.method) return detail(405, 'Method Not Allowed');
    if (route.auth) {
      const refusal = authorised(req);
      if (refusal) return refusal;
    }
    return route.handle(req);
  });

  return {
    ...server,
    baseUrl: `${server.url}/api/v1`,
    state,
    revokeTokens: () => tokens.clear(),
    rejectAllTokens: (reject) => void (rejectAll = reject),
  };
}
