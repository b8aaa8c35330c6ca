/**
 * PhotoILike "PhotoScore": the commercial attractiveness of a photo (how likely a customer is to
 * click on it), as a market-study estimate.
 *
 * Contract (vendor-docs/000_9dabff348462c0d5.txt, plus docs.photoilike.com for what it leaves out):
 * - Login: `POST {baseUrl}/authenticate`, JSON `{"username", "password"}` → `{"id_token"}`, a session
 *   token valid for 24 h (documented at docs.photoilike.com/en/authentication and /en/faq; the
 *   scoring document shows only the scoring call). The token is cached and shared by concurrent
 *   uploads, renewed a minute before the 24 h are up, and renewed once when a scoring call answers
 *   401; a second 401 right after a fresh login is kind `auth`.
 * - Scoring: `POST {baseUrl}/score`, `Authorization: Bearer <session token>`, JSON body
 *   `{"client-key", "image-base64", "ext"}`. `image-url` and `image-base64` are mutually exclusive and
 *   `ext` is required with base64 (png, jpg, jpeg, webp, heic, avif): we always send the prepared
 *   image as base64 with its extension, never a URL.
 * - Answer: `{"id": string, "score": float}`, score 0–10 (higher = more attractive) → ×10, one decimal.
 *   `raw` keeps `{id, score}`.
 * - Limits: 5 scoring requests per second per client-key (`ratePerSecond` defaults to 5; the login
 *   goes through the same limiter, which only makes us more conservative).
 * - Errors (docs.photoilike.com error table): 400 bad or unexpected parameter → rejected, 401 not
 *   authenticated → renew once, then auth, 402 credits exhausted → quota, 403 not permitted (e.g. an
 *   inactive client-key) → auth; 429 and 5xx are retried by the framework.
 *
 * Assumed where the documents are silent:
 * - Base URL `https://api.photoilike.com/v2.0` (the documented endpoints live under it).
 * - The login answer carries no expiry, so the token is taken to live the documented 24 h from
 *   the moment we received it; an earlier expiry on their side shows up as a 401 and is renewed.
 * - No image size limit is documented. The image travels base64-encoded inside JSON (a third
 *   larger), so we keep the prepared file under 5 MB and the long side at 2048 px, which is ample
 *   for an attractiveness estimate and keeps the request well under common gateway limits (10 MB).
 * - Error bodies are not documented; we only read the status and show a snippet of the body.
 * - Over the rate limit the API is assumed to answer 429 (retried, honouring Retry-After).
 */
import { z } from 'zod';

import { commonVendorOptions, defineVendor } from '../../vendor-http/define';
import { VendorError, type VendorFailure } from '../../vendor-http/errors';
import { createTokenCache } from '../../vendor-http/token-cache';
import type { VendorImage, VendorImageSpec, VendorResponse } from '../../vendor-http/types';

const VENDOR_ID = 'photoilike';

/** Documented at docs.photoilike.com/en/faq: "valid for 24 hours from the time it is generated". */
export const SESSION_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** PhotoScore's documented range. */
const SCORE_MIN = 0;
const SCORE_MAX = 10;

const configSchema = z.object({
  ...commonVendorOptions,
  /** The documented limit: 5 scoring requests per second per client-key. */
  ratePerSecond: z.number().positive().default(5),
  baseUrl: z.string().url().default('https://api.photoilike.com/v2.0'),
  username: z.string().min(1),
  password: z.string().min(1),
  /** The end user's client-key (a ~358-character token PhotoILike cannot recover: a secret). */
  clientKey: z.string().min(1),
});

export type PhotoILikeConfig = z.infer<typeof configSchema>;

const loginAnswerSchema = z.object({ id_token: z.string().min(1) });

const scoreAnswerSchema = z.object({
  id: z.string().min(1),
  score: z.number().min(SCORE_MIN).max(SCORE_MAX),
});

export type PhotoILikeAnswer = z.infer<typeof scoreAnswerSchema>;

/** What each status means in PhotoILike's error table, to make the failure readable. */
const STATUS_MEANING: Readonly<Record<number, string>> = {
  400: 'bad request (a parameter is wrong, unexpected or missing)',
  401: 'not authenticated',
  402: 'all available credits have been exhausted',
  403: 'not permitted (is the client-key active?)',
  429: 'more than the allowed requests per second for this client-key',
};

/** PhotoILike's error table, read into failure kinds (the same as the defaults, stated here on purpose). */
const STATUS_KIND: Readonly<Record<number, VendorFailure>> = {
  400: 'rejected',
  401: 'auth',
  402: 'quota',
  403: 'auth',
  429: 'rate-limited',
};

/** 0–10 → 0–100, one decimal. */
export const toPercent = (score: number): number =>
  Math.round(((score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN)) * 1000) / 10;

/** The scoring body: always base64 with its extension, never `image-url` (the two are exclusive). */
export const scoreRequestBody = (clientKey: string, image: VendorImage): string =>
  JSON.stringify({ 'client-key': clientKey, 'image-base64': image.bytes.toString('base64'), ext: image.ext });

/** The framework's message without its "photoilike: " prefix, to wrap it in a clearer one. */
const detailOf = (error: VendorError): string => error.message.slice(error.vendor.length + 2);

/** Re-words a failed call with what the status means; kind and details stay as they were. */
const explained = (error: unknown, context?: string): unknown => {
  if (!(error instanceof VendorError) || error.details.status === undefined) return error;
  const meaning = context ?? STATUS_MEANING[error.details.status];
  if (!meaning) return error;
  return new VendorError(error.vendor, error.kind, `${meaning} (${detailOf(error)})`, error.details);
};

const isUnauthenticated = (error: unknown): error is VendorError =>
  error instanceof VendorError && error.details.status === 401;

const jsonHeaders = (token?: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

const IMAGE_SPEC: VendorImageSpec = { formats: ['jpeg', 'png', 'webp'], maxLongSide: 2048, maxBytes: 5 * 1024 * 1024 };

export const photoilike = defineVendor({
  id: VENDOR_ID,
  configSchema,
  secretKeys: ['password', 'clientKey'],
  image: IMAGE_SPEC,
  classify: (status) => STATUS_KIND[status],

  create(config, tools) {
    const session = createTokenCache(async (signal) => {
      let response: VendorResponse;
      try {
        response = await tools.call(
          {
            method: 'POST',
            path: 'authenticate',
            headers: jsonHeaders(),
            body: JSON.stringify({ username: config.username, password: config.password }),
          },
          signal,
        );
      } catch (error) {
        const refused = error instanceof VendorError && error.kind === 'auth';
        throw explained(error, refused ? 'login refused: check the username and password' : 'login failed');
      }
      const { id_token: token } = tools.http.json(response, loginAnswerSchema);
      // The token is a credential for 24 h: keep it out of every error message from now on.
      tools.addSecret(token);
      return { token, expiresAt: Date.now() + SESSION_TOKEN_LIFETIME_MS };
    });

    const postScore = (body: string, token: string, signal: AbortSignal) =>
      tools.call({ method: 'POST', path: 'score', headers: jsonHeaders(token), body }, signal);

    /** One scoring call; on 401 one fresh login and one more try, never a loop. */
    const scoreWithSession = async (body: string, signal: AbortSignal): Promise<VendorResponse> => {
      const token = await session.get(signal);
      try {
        return await postScore(body, token, signal);
      } catch (error) {
        if (!isUnauthenticated(error)) throw explained(error);
        session.invalidate(token);
      }
      const fresh = await session.get(signal);
      try {
        return await postScore(body, fresh, signal);
      } catch (error) {
        if (!isUnauthenticated(error)) throw explained(error);
        throw new VendorError(
          VENDOR_ID,
          'auth',
          `session token refused again right after a fresh login (${detailOf(error)})`,
          error.details,
        );
      }
    };

    return {
      id: VENDOR_ID,
      image: IMAGE_SPEC,
      // Each /score call spends a credit (402 when none are left); the login does not.
      billedRequests: 1,
      async score(image, signal) {
        const response = await scoreWithSession(scoreRequestBody(config.clientKey, image), signal);
        const answer = tools.http.json(response, scoreAnswerSchema);
        return { score: toPercent(answer.score), raw: answer };
      },
    };
  },
});
