/**
 * Everypixel "UGC Photo Scoring" (`quality_ugc`): the aesthetics and technical quality of a
 * user-generated photo, as judged by a model trained on ratings by professional photographers.
 *
 * Contract (vendor-docs/001_758aab2853149074.txt):
 * - `POST {baseUrl}/quality_ugc`, base URL `https://api.everypixel.com/v1`, HTTP Basic auth with the
 *   client id and client secret, multipart/form-data with the image file in the field `data`. (The
 *   `GET ?url=` variant is not used: we always upload the prepared image.)
 * - Only JPG and PNG, more than 20 KB and less than 10 MB. The image spec asks the preparation step
 *   for exactly that; an image that arrives outside it anyway is refused here (kind `rejected`)
 *   instead of paying for a request the API would refuse.
 * - Answer: `{"quality": {"score": 0..1, "class": 1..5}, "status": "ok"}` → score ×100, one decimal;
 *   the vendor's own class stays in `raw`. A `status` other than "ok" is a vendor error.
 *
 * Assumed where the document is silent:
 * - Error bodies look like the success envelope: `{"status": "error", "message": "…"}`.
 * - A `status` other than "ok" in a 200 answer means the vendor refused this image (kind
 *   `rejected`), unless its message says the request quota is exhausted (kind `quota`).
 * - 429 means two things at Everypixel: the account's balance of requests is used up (kind
 *   `quota`, not retried: the vendor is suspended), which is what its 429 means unless the body
 *   speaks of a rate or of too many requests right now (kind `rate-limited`, retried, honouring
 *   Retry-After when it falls within the upload's deadline).
 * - 401/403 are bad credentials (auth), 402 is an unpaid account (quota), other 4xx refuse the
 *   image (rejected), 5xx are retried.
 * - No pixel limit is documented: the long side is kept at 2048 px, plenty for a quality score.
 */
import { FormData } from 'undici';
import { z } from 'zod';

import { commonVendorOptions, defineVendor } from '../../vendor-http/define';
import { failureForStatus, VendorError, type VendorFailure } from '../../vendor-http/errors';
import type { VendorImage, VendorImageSpec } from '../../vendor-http/types';

const VENDOR_ID = 'everypixel';

const MIN_BYTES = 20 * 1024;
const MAX_BYTES = 10 * 1024 * 1024;
/** As much of a vendor's error message as we repeat, like the HTTP client does. */
const MESSAGE_SNIPPET = 200;
const ACCEPTED_FORMATS: VendorImageSpec['formats'] = ['jpeg', 'png'];

const IMAGE_SPEC: VendorImageSpec = {
  formats: ACCEPTED_FORMATS,
  maxLongSide: 2048,
  minBytes: MIN_BYTES,
  maxBytes: MAX_BYTES,
};

const configSchema = z.object({
  ...commonVendorOptions,
  baseUrl: z.string().url().default('https://api.everypixel.com/v1'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

export type EverypixelConfig = z.infer<typeof configSchema>;

/** Any answer: success or failure, the envelope always has a status. */
const envelopeSchema = z.object({ status: z.string(), message: z.string().optional() });

const qualityAnswerSchema = z.object({
  quality: z.object({
    score: z.number().min(0).max(1),
    class: z.number().int().min(1).max(5),
  }),
  status: z.literal('ok'),
});

export type EverypixelAnswer = z.infer<typeof qualityAnswerSchema>;

const RATE_WORDING = /rate limit|too many requests|per (second|minute)|slow down/i;
const QUOTA_WORDING =
  /quota|no (more )?requests left|out of requests|(limit|requests)[^.]*\b(exhausted|reached|exceeded|used up)|insufficient (funds|balance)|balance/i;

/** The `message` of an error body, or the raw text when the body is not the usual envelope. */
const messageOf = (body: string): string => {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(body));
    return parsed.success ? (parsed.data.message ?? '') : body;
  } catch {
    return body;
  }
};

/** True when the vendor says the account's requests are used up (as opposed to "slow down"). */
export const saysQuotaExhausted = (message: string): boolean =>
  QUOTA_WORDING.test(message) && !RATE_WORDING.test(message);

/** Everypixel's statuses read into failure kinds: a 429 may be a quota, not a rate limit. */
export const classifyEverypixel = (status: number, body: string): VendorFailure | undefined => {
  const message = messageOf(body);
  if (status >= 400 && status < 500 && saysQuotaExhausted(message)) return 'quota';
  // Everypixel's 429 is the balance running out; only one that speaks of a rate is "slow down".
  if (status === 429 && !RATE_WORDING.test(message)) return 'quota';
  return failureForStatus(status);
};

// Enough decimals that a size just past a limit never reads as the limit itself.
const formatSize = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;

/** Why the API would refuse this image, or undefined when it is within the documented limits. */
export const whyRefused = (image: Pick<VendorImage, 'format' | 'bytes'>): string | undefined => {
  if (!ACCEPTED_FORMATS.includes(image.format)) {
    return `${image.format.toUpperCase()} images are not accepted (the API takes JPG or PNG)`;
  }
  const size = image.bytes.length;
  const limits = 'the API accepts 20 KB–10 MB';
  if (size < MIN_BYTES) return `image too small (${formatSize(size)}; ${limits})`;
  if (size > MAX_BYTES) return `image too large (${formatSize(size)}; ${limits})`;
  return undefined;
};

/** 0–1 → 0–100, one decimal. */
export const toPercent = (score: number): number => Math.round(score * 1000) / 10;

const basicAuthorization = (clientId: string, clientSecret: string): string =>
  `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;

const uploadForm = (image: VendorImage): FormData => {
  const form = new FormData();
  // A plain Uint8Array copy: Blob's typings refuse a Buffer that may sit on a shared ArrayBuffer.
  form.append('data', new Blob([new Uint8Array(image.bytes)], { type: image.mime }), `image.${image.ext}`);
  return form;
};

export const everypixel = defineVendor({
  id: VENDOR_ID,
  configSchema,
  secretKeys: ['clientSecret'],
  image: IMAGE_SPEC,
  classify: classifyEverypixel,

  create(config, tools) {
    const authorization = basicAuthorization(config.clientId, config.clientSecret);

    return {
      id: VENDOR_ID,
      image: IMAGE_SPEC,
      // "1,000 requests for $0.6": each /quality_ugc request.
      billedRequests: 1,
      async score(image, signal) {
        const refusal = whyRefused(image);
        if (refusal) throw new VendorError(VENDOR_ID, 'rejected', refusal);

        const response = await tools.call(
          {
            method: 'POST',
            path: 'quality_ugc',
            headers: { authorization, accept: 'application/json' },
            body: uploadForm(image),
          },
          signal,
        );
        const envelope = tools.http.json(response, envelopeSchema);
        if (envelope.status !== 'ok') {
          // Built here rather than by the HTTP client, so redact the secret ourselves.
          // Redact before cutting, so a secret straddling the cut cannot leak its first half.
          const message = (envelope.message ?? 'no message')
            .split(config.clientSecret)
            .join('[redacted]')
            .slice(0, MESSAGE_SNIPPET);
          const kind = saysQuotaExhausted(message) ? 'quota' : 'rejected';
          throw new VendorError(VENDOR_ID, kind, `answered status "${envelope.status}": ${message}`, {
            status: response.status,
          });
        }
        const answer = tools.http.json(response, qualityAnswerSchema);
        return { score: toPercent(answer.quality.score), raw: answer };
      },
    };
  },
});
