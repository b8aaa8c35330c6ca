import { randomBytes } from 'node:crypto';

import { bearer, startFakeServer, type FakeServer, type RecordedRequest, type Reply } from './fake-server';

/**
 * A strict stand-in for PhotoILike's API (v2.0), enforcing what docs.photoilike.com documents:
 *
 * - `POST /v2.0/authenticate`, JSON `{"username", "password"}` and nothing else → `{"id_token"}`,
 *   valid 24 h; wrong credentials → 401.
 * - `POST /v2.0/score`, `Authorization: Bearer <session token>` (missing, unknown, revoked or
 *   expired → 401), JSON `{"client-key", "image-url" | "image-base64", "ext"}`: unexpected or
 *   missing parameters, `image-url` together with `image-base64`, base64 without `ext`, an `ext`
 *   outside png/jpg/jpeg/webp/heic/avif, or bytes that are not an image of that extension → 400;
 *   an unknown client-key → 403; credits used up → 402; more than 5 scoring calls in a second
 *   for one client-key → 429 with Retry-After (allowing `rateToleranceMs` of network jitter).
 * - Other paths → 404, other methods → 405. Error bodies are `{"message": "…"}` and, like many
 *   real services, sometimes echo what they were sent (tokens, client-keys), so the tests can
 *   check that our error messages redact them.
 *
 * Expiry is judged with `Date.now()`, so a test can age tokens by shifting the clock.
 */
export interface PhotoILikeFakeOptions {
  username: string;
  password: string;
  /** Active client-keys. */
  clientKeys: string[];
  /** The score every image gets, 0–10. */
  score?: number;
  /** Scoring calls left before 402; unlimited when absent. */
  credits?: number;
  /** Calls per second per client-key (documented: 5). */
  ratePerSecond?: number;
  /** The window is shortened by this much (default 100 ms) so loopback jitter does not read as a violation. */
  rateToleranceMs?: number;
}

export interface PhotoILikeFake {
  server: FakeServer;
  url: string;
  /** Every token the fake has issued, oldest first. */
  issuedTokens: string[];
  /** When each scoring call reached the handler (faults injected by `inject` skip the handler). */
  scoreArrivals: number[];
  /** How many scoring calls were answered 401 / 429 by the contract (not by injected faults). */
  readonly unauthorised: number;
  readonly rateLimited: number;
  /** Forget every session token, as after a server-side logout: the next scoring call gets 401. */
  revokeSessions(): void;
  /** Answer 401 to every session token, even fresh ones. */
  refuseEverySession(refuse: boolean): void;
  setCredits(credits: number | undefined): void;
  /** Recorded requests to one documented endpoint. */
  callsTo(endpoint: 'authenticate' | 'score'): RecordedRequest[];
  close(): Promise<void>;
}

export const SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;
const ALLOWED_EXT = ['png', 'jpg', 'jpeg', 'webp', 'heic', 'avif'] as const;
type Ext = (typeof ALLOWED_EXT)[number];
const SCORE_FIELDS = new Set(['client-key', 'image-url', 'image-base64', 'ext']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const error = (status: number, message: string, headers?: Record<string, string>): Reply => ({
  status,
  headers,
  body: { message },
});

/** The image type a file's first bytes announce. */
export const sniffImage = (bytes: Buffer): 'jpeg' | 'png' | 'webp' | 'gif' | 'heic' | 'avif' | undefined => {
  if (bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.toString('latin1', 0, 4) === 'GIF8') return 'gif';
  if (bytes.toString('latin1', 4, 8) === 'ftyp') {
    const brand = bytes.toString('latin1', 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (brand.startsWith('hei') || brand === 'mif1') return 'heic';
  }
  return undefined;
};

const extMatches = (ext: Ext, bytes: Buffer): boolean => {
  const type = sniffImage(bytes);
  return type === (ext === 'jpg' ? 'jpeg' : ext);
};

const parseJsonObject = (req: RecordedRequest): Record<string, unknown> | string => {
  const contentType = String(req.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/json')) return `Content-Type must be application/json, got "${contentType}"`;
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'The body must be a JSON object';
    return parsed as Record<string, unknown>;
  } catch {
    return 'The body is not valid JSON';
  }
};

export async function startPhotoILikeFake(options: PhotoILikeFakeOptions): Promise<PhotoILikeFake> {
  const tokens = new Map<string, number>();
  const issuedTokens: string[] = [];
  const scoreArrivals: number[] = [];
  const arrivalsByKey = new Map<string, number[]>();
  let credits = options.credits;
  let refuseAll = false;
  let jobs = 0;
  const ratePerSecond = options.ratePerSecond ?? 5;
  const rateWindowMs = 1000 - (options.rateToleranceMs ?? 100);

  const counts = { unauthorised: 0, rateLimited: 0 };

  const authenticate = (req: RecordedRequest): Reply => {
    const body = parseJsonObject(req);
    if (typeof body === 'string') return error(400, body);
    const unexpected = Object.keys(body).filter((key) => key !== 'username' && key !== 'password');
    if (unexpected.length > 0) return error(400, `Unexpected parameters: ${unexpected.join(', ')}`);
    if (typeof body.username !== 'string' || typeof body.password !== 'string') {
      return error(400, 'username and password are required');
    }
    if (body.username !== options.username || body.password !== options.password) {
      return error(401, 'Incorrect username or password.');
    }
    const token = `eyJ${randomBytes(24).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
    tokens.set(token, Date.now() + SESSION_LIFETIME_MS);
    issuedTokens.push(token);
    return { status: 200, body: { id_token: token } };
  };

  const sessionProblem = (req: RecordedRequest): string | undefined => {
    const token = bearer(req);
    if (!token) return 'Missing session token (Authorization: Bearer <token>)';
    const expiresAt = tokens.get(token);
    if (refuseAll || expiresAt === undefined) return `Session token ${token} is not valid`;
    if (expiresAt <= Date.now()) return `Session token ${token} has expired`;
    return undefined;
  };

  /** More than `ratePerSecond` calls for this client-key within the (jitter-tolerant) window? */
  const overRate = (clientKey: string, now: number): boolean => {
    const recent = (arrivalsByKey.get(clientKey) ?? []).filter((at) => now - at < rateWindowMs);
    recent.push(now);
    arrivalsByKey.set(clientKey, recent);
    return recent.length > ratePerSecond;
  };

  const imageProblem = (body: Record<string, unknown>): string | undefined => {
    const hasUrl = body['image-url'] !== undefined;
    const hasBase64 = body['image-base64'] !== undefined;
    if (hasUrl && hasBase64) return 'image-url and image-base64 are disjoint: send one or the other, never both';
    if (!hasUrl && !hasBase64) return 'One of image-url or image-base64 is required';
    if (hasUrl)
      return typeof body['image-url'] === 'string' && /^https?:\/\//.test(body['image-url'])
        ? undefined
        : 'image-url must be an http(s) URL';
    const base64 = body['image-base64'];
    if (body.ext === undefined) return 'ext is required when image-base64 is used';
    if (typeof body.ext !== 'string' || !(ALLOWED_EXT as readonly string[]).includes(body.ext)) {
      return `ext must be one of ${ALLOWED_EXT.join(', ')}`;
    }
    if (typeof base64 !== 'string' || base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
      return 'image-base64 is not valid base64';
    }
    if (!extMatches(body.ext as Ext, Buffer.from(base64, 'base64')))
      return `The image could not be processed as ${body.ext}`;
    return undefined;
  };

  const score = (req: RecordedRequest): Reply => {
    const now = Date.now();
    scoreArrivals.push(now);
    const session = sessionProblem(req);
    if (session) {
      counts.unauthorised += 1;
      return error(401, session);
    }
    const body = parseJsonObject(req);
    if (typeof body === 'string') return error(400, body);
    const unexpected = Object.keys(body).filter((key) => !SCORE_FIELDS.has(key));
    if (unexpected.length > 0) return error(400, `Unexpected parameters: ${unexpected.join(', ')}`);
    const clientKey = body['client-key'];
    if (typeof clientKey !== 'string' || clientKey.length === 0) return error(400, 'client-key is required');
    if (!options.clientKeys.includes(clientKey)) return error(403, `client-key ${clientKey} is not active`);
    if (overRate(clientKey, now)) {
      counts.rateLimited += 1;
      return error(429, `More than ${ratePerSecond} requests per second for this client-key`, { 'retry-after': '1' });
    }
    const problem = imageProblem(body);
    if (problem) return error(400, problem);
    if (credits !== undefined) {
      if (credits <= 0) return error(402, 'All available credits have been exhausted');
      credits -= 1;
    }
    jobs += 1;
    return { status: 200, body: { id: `job-${jobs}`, score: options.score ?? 7.35 } };
  };

  const server = await startFakeServer((req) => {
    const routes: Record<string, (req: RecordedRequest) => Reply> = {
      '/v2.0/authenticate': authenticate,
      '/v2.0/score': score,
    };
    const route = routes[req.path];
    if (!route) return error(404, 'Not Found');
    if (req.method !== 'POST') return error(405, 'Method Not Allowed');
    return route(req);
  });

  return {
    server,
    url: server.url,
    issuedTokens,
    scoreArrivals,
    get unauthorised() {
      return counts.unauthorised;
    },
    get rateLimited() {
      return counts.rateLimited;
    },
    revokeSessions: () => tokens.clear(),
    refuseEverySession: (refuse) => void (refuseAll = refuse),
    setCredits: (value) => void (credits = value),
    callsTo: (endpoint) => server.requests.filter((req) => req.path === `/v2.0/${endpoint}`),
    close: () => server.close(),
  };
}
