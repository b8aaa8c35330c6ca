/**
 * AI Image Rating (fashion photography), https://ai-image-rating.digitaltwin.technology/api/v1
 *
 * Contract (vendor-docs/002):
 * - `POST /token` JSON `{client_id, client_secret}` → `{access_token, …}`; every other call sends
 *   `Authorization: Bearer <access_token>`.
 * - `POST /rate` multipart, the image in field `file` (JPEG/PNG/WebP/GIF/HEIC, up to 25 MB) →
 *   `{score 0–100, rating Low|Medium|High, tags [{tag, confidence 0–1}], content_rating {level
 *   safe|revealing|suggestive|nsfw, …}, quality {…}, face_count, dimension_scores {18 × 0–10},
 *   needs_review, image_hash, …}`.
 * - `GET /usage` → `{used, limit, remaining}`; `POST /feedback` JSON `{image_hash, user_score,
 *   dimension_feedback?}`.
 *
 * Normalisation: score is already 0–100 (kept, rounded to 1 decimal); dimensions 0–10 → ×10; tag
 * confidence 0–1 → ×100; content level safe → safe, revealing/suggestive → suggestive, nsfw → nsfw.
 * The vendor's rating, quality block, needs_review and image_hash stay in `raw`.
 *
 * Assumed where the document is silent (it is a FastAPI service: Swagger at /docs, ReDoc at /redoc):
 * - The token answer follows OAuth2 (`token_type`, optional `expires_in` in seconds). With
 *   `expires_in` the token is renewed shortly before it expires (a tenth of its life, at most a
 *   minute, early); without it the token is kept until the vendor answers 401. A 401 on any call
 *   renews the token and repeats the call exactly once.
 * - Errors are FastAPI's `{"detail": …}`. Quota exhaustion is 402, or 403/429 whose detail speaks
 *   of a quota/limit/credits being used up (so a spent monthly quota is not retried as a rate
 *   limit); 413/415/422 are rejections of the image.
 * - The content rating carries no probability: a non-safe level counts as 100 % sure, 50 % when
 *   the vendor flags `content_rating_conflict` (its NSFW cross-check disagreed), 0 when safe.
 * - `user_score` is passed in the vendor's own scale (the document's example sends 3; the scale is
 *   not stated); `dimensionFeedback` is taken on our 0–100 dimension scale and sent as 0–10.
 * - A reviewer's decision is sent as the vendor's three ratings, which the example's 3 fits:
 *   approve → 3 (High: fit to publish), reject → 1 (Low), for the `image_hash` its /rate answered.
 * - The feedback answer is undocumented: any JSON object (or an empty body) is accepted.
 */
import { FormData } from 'undici';
import type { ScorerOutcome } from '../types';
import { z } from 'zod';
import { commonVendorOptions, defineVendor, instantiateVendor, type VendorTools } from '../../vendor-http/define';
import { VendorError, type VendorFailure } from '../../vendor-http/errors';
import { createTokenCache, type IssuedToken } from '../../vendor-http/token-cache';
import type {
  VendorImage,
  VendorModeration,
  VendorRequest,
  VendorResponse,
  VendorScorer,
  VendorVerdict,
} from '../../vendor-http/types';

const VENDOR_ID = 'ai-image-rating';

const configSchema = z.object({
  ...commonVendorOptions,
  baseUrl: z.string().url().default('https://ai-image-rating.digitaltwin.technology/api/v1'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

export type AiImageRatingConfig = z.infer<typeof configSchema>;

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive().nullish(),
});

const rateAnswer = z.looseObject({
  score: z.number().min(0).max(100),
  rating: z.enum(['Low', 'Medium', 'High']),
  tags: z.array(z.looseObject({ tag: z.string().min(1), confidence: z.number().min(0).max(1) })),
  content_rating: z.looseObject({
    level: z.enum(['safe', 'revealing', 'suggestive', 'nsfw']),
    detail: z.string().nullish(),
    safe_for_portfolio: z.boolean().optional(),
    content_rating_conflict: z.boolean().optional(),
  }),
  quality: z
    .looseObject({
      width: z.number().optional(),
      height: z.number().optional(),
      sharpness: z.number().optional(),
      issues: z.array(z.string()).optional(),
      is_acceptable: z.boolean().optional(),
    })
    .optional(),
  needs_review: z.boolean(),
  image_hash: z.string().min(1),
  face_count: z.number().int().min(0).nullish(),
  // A face dimension may well be null when no face is found; such dimensions are left out.
  dimension_scores: z.record(z.string(), z.number().min(0).max(10).nullable()).optional(),
});

export type AiImageRatingAnswer = z.infer<typeof rateAnswer>;

const usageAnswer = z.looseObject({
  used: z.number().int().min(0),
  limit: z.number().int().min(0),
  remaining: z.number().int().min(0),
});

export type AiImageRatingUsage = z.infer<typeof usageAnswer>;

const feedbackAnswer = z.looseObject({});

export interface AiImageRatingFeedback {
  /** `raw.image_hash` of the verdict being corrected. */
  imageHash: string;
  /** The reviewer's score, in the vendor's own scale (passed as is). */
  userScore: number;
  /** Corrected dimensions on our 0–100 scale (as in `VendorVerdict.dimensions`); sent as 0–10. */
  dimensionFeedback?: Record<string, number>;
}

export interface AiImageRatingScorer extends VendorScorer {
  usage(signal: AbortSignal): Promise<AiImageRatingUsage>;
  feedback(input: AiImageRatingFeedback, signal: AbortSignal): Promise<Record<string, unknown>>;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

const MODERATION_LEVEL: Record<AiImageRatingAnswer['content_rating']['level'], VendorModeration['level']> = {
  safe: 'safe',
  revealing: 'suggestive',
  suggestive: 'suggestive',
  nsfw: 'nsfw',
};

export function moderationFrom(rating: AiImageRatingAnswer['content_rating']): VendorModeration {
  const level = MODERATION_LEVEL[rating.level];
  const confidence = level === 'safe' ? 0 : rating.content_rating_conflict ? 50 : 100;
  return { level, confidence, label: rating.level };
}

export function dimensionsFrom(scores: AiImageRatingAnswer['dimension_scores']): Record<string, number> {
  return Object.fromEntries(
    Object.entries(scores ?? {}).flatMap(([name, value]) => (value === null ? [] : [[name, round1(value * 10)]])),
  );
}

export function verdictFrom(answer: AiImageRatingAnswer): VendorVerdict {
  return {
    score: round1(answer.score),
    dimensions: dimensionsFrom(answer.dimension_scores),
    tags: answer.tags.map(({ tag, confidence }) => ({ name: tag, confidence: round1(confidence * 100) })),
    moderation: moderationFrom(answer.content_rating),
    ...(answer.face_count == null ? {} : { faces: answer.face_count }),
    raw: answer,
  };
}

/** When to stop using a token: early by a tenth of its life (at most a minute); never, if its life is unknown. */
export function tokenExpiry(expiresInSeconds: number | null | undefined, now = Date.now()): number {
  if (!expiresInSeconds) return Number.POSITIVE_INFINITY;
  const lifeMs = expiresInSeconds * 1000;
  return now + lifeMs - Math.min(60_000, lifeMs / 10);
}

// Words of a spent allowance; "rate limit exceeded" is deliberately not among them (that one is retried).
const QUOTA_WORDS = /quota|credits?|(monthly|daily|usage|plan) limit|used up|exhausted/i;

/** FastAPI's `{"detail": …}`, or the body as is. */
const detailOf = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'detail' in parsed) return JSON.stringify(parsed.detail);
  } catch {
    // not JSON: the text itself is the reason
  }
  return body;
};

export function classifyAiImageRating(status: number, body: string): VendorFailure | undefined {
  if (status === 402) return 'quota';
  if ((status === 403 || status === 429) && QUOTA_WORDS.test(detailOf(body))) return 'quota';
  if (status === 413 || status === 415 || status === 422) return 'rejected';
  return undefined;
}

const isExpiredToken = (error: unknown): boolean =>
  error instanceof VendorError && error.kind === 'auth' && error.details.status === 401;

const imageForm = (image: VendorImage): FormData => {
  const form = new FormData();
  form.append('file', new Blob([image.bytes], { type: image.mime }), `upload.${image.ext}`);
  return form;
};

/** The scorer with its extra calls (usage, feedback), built on the framework's tools. */
export function createAiImageRatingScorer(config: AiImageRatingConfig, tools: VendorTools): AiImageRatingScorer {
  const issue = async (signal: AbortSignal): Promise<IssuedToken> => {
    const response = await tools.call(
      {
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: config.clientId, client_secret: config.clientSecret }),
      },
      signal,
    );
    const answer = tools.http.json(response, tokenAnswer);
    tools.addSecret(answer.access_token);
    return { token: answer.access_token, expiresAt: tokenExpiry(answer.expires_in) };
  };
  // The cache's own margin is off: tokenExpiry already ends a token's use early, in proportion to its life.
  const tokens = createTokenCache(issue, 0);

  /** One authorised call; a 401 means the session ended early, so renew the token and try exactly once more. */
  const authorised = async (request: VendorRequest, signal: AbortSignal): Promise<VendorResponse> => {
    const send = (token: string) =>
      tools.call({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } }, signal);
    const token = await tokens.get(signal);
    try {
      return await send(token);
    } catch (error) {
      if (!isExpiredToken(error)) throw error;
      tokens.invalidate(token);
      return send(await tokens.get(signal));
    }
  };

  return {
    id: VENDOR_ID,
    image: aiImageRatingImageSpec,
    // POST /rate; the token exchange and /usage are not rated images.
    billedRequests: 1,

    async score(image, signal) {
      const response = await authorised({ method: 'POST', path: '/rate', body: imageForm(image) }, signal);
      return verdictFrom(tools.http.json(response, rateAnswer));
    },

    async usage(signal) {
      return tools.http.json(await authorised({ method: 'GET', path: '/usage' }, signal), usageAnswer);
    },

    async feedback(input, signal) {
      const dimensionFeedback = input.dimensionFeedback
        ? Object.fromEntries(Object.entries(input.dimensionFeedback).map(([name, value]) => [name, round1(value / 10)]))
        : undefined;
      const body = {
        image_hash: input.imageHash,
        user_score: input.userScore,
        ...(dimensionFeedback ? { dimension_feedback: dimensionFeedback } : {}),
      };
      const response = await authorised(
        {
          method: 'POST',
          path: '/feedback',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        signal,
      );
      return response.text.trim() === '' ? {} : tools.http.json(response, feedbackAnswer);
    },
  };
}

const aiImageRatingImageSpec = {
  formats: ['jpeg', 'png', 'webp'],
  // The model is a CLIP ViT-B/16 (224 px input) plus a sharpness check: 2048 px keeps detail for the latter.
  maxLongSide: 2048,
  maxBytes: 25 * 1024 * 1024,
} as const satisfies VendorScorer['image'];

export const aiImageRating = defineVendor({
  id: VENDOR_ID,
  configSchema,
  secretKeys: ['clientId', 'clientSecret'],
  image: aiImageRatingImageSpec,
  classify: classifyAiImageRating,
  create: createAiImageRatingScorer,
});

/** The user_score a review decision is sent as (see the assumptions above). */
export const REVIEW_USER_SCORE = { approve: 3, reject: 1 } as const;

/** The feedback a review decision on an image this vendor rated sends; undefined for another scorer's verdict. */
export function feedbackFor(
  outcome: ScorerOutcome,
  decision: keyof typeof REVIEW_USER_SCORE,
): AiImageRatingFeedback | undefined {
  if (!outcome.ok || outcome.scorer !== VENDOR_ID) return undefined;
  const parsed = rateAnswer.pick({ image_hash: true }).safeParse(outcome.raw);
  return parsed.success ? { imageHash: parsed.data.image_hash, userScore: REVIEW_USER_SCORE[decision] } : undefined;
}

/** For callers holding a scorer from the registry (the admin review sends feedback). */
export const isAiImageRatingScorer = (scorer: VendorScorer): scorer is AiImageRatingScorer =>
  scorer.id === VENDOR_ID && 'feedback' in scorer && typeof scorer.feedback === 'function';

/** `instantiateVendor`, typed: the scorer keeps its `usage` and `feedback` calls. */
export function instantiateAiImageRating(config: AiImageRatingConfig): AiImageRatingScorer {
  let scorer: AiImageRatingScorer | undefined;
  instantiateVendor(
    { ...aiImageRating, create: (validated, tools) => (scorer = createAiImageRatingScorer(validated, tools)) },
    config,
  );
  if (!scorer) throw new Error(`${VENDOR_ID}: the scorer was not built`);
  return scorer;
}
