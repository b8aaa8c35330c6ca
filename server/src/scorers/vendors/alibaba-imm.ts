/**
 * Alibaba Cloud Intelligent Media Management (IMM), `DetectImageScore` (API version 2020-09-30).
 *
 * Contract (shared/vendor-docs/004, README): an RPC-style action taking `ProjectName` and
 * `SourceURI` (`oss://<bucket>/<object>`), answering
 * `{"RequestId", "ImageScore": {"OverallQualityScore": 0..1}}`; we report the score × 100.
 * IMM only reads images that already sit in an OSS bucket of the project's region, so each call:
 *   1. PUTs the prepared JPEG into the configured bucket under a key of its own
 *      (`<keyPrefix><sha256>-<random>.jpg`), signed with OSS's V4 signature (OSS4-HMAC-SHA256);
 *   2. calls DetectImageScore at `https://imm.<regionId>.aliyuncs.com/`, POST with the parameters in
 *      the query string and an empty body, signed with Alibaba's V3 signature (ACS3-HMAC-SHA256);
 *   3. DELETEs the staged object in a `finally`, so it goes also when the upload or the scoring
 *      failed or timed out; the delete has its own deadline, not the upload's, because the upload's
 *      may be what just expired.
 * Every attempt is signed afresh (new x-acs-date / x-acs-signature-nonce / x-oss-date): the gateway
 * refuses a nonce it has seen, so a retried request must not be a replay of the first.
 *
 * Errors are Alibaba bodies, JSON `{"RequestId","HostId","Code","Message"}` from IMM and XML
 * `<Error><Code>…` from OSS. The gateway's HTTP statuses are not reliable (Throttling and
 * SignatureDoesNotMatch come as 400 or 403, InvalidAccessKeyId as 400 or 404), so the `Code`
 * decides: Throttling* → rate-limited; quota / arrears / balance / UserDisable → quota; bad keys,
 * signatures, clocks, nonces, AccessDenied / Forbidden* → auth; InternalError / ServiceUnavailable
 * → server; anything else follows the status (400 → rejected, 5xx → server).
 *
 * Assumed where the documents are silent:
 * - Image spec: JPEG only, long side ≤ 2048 px, ≤ 20 MB. The IMM image documents we found list
 *   JPG/PNG/BMP (GIF, WebP, HEIC by conversion) up to 100 MB; the score is aesthetic, so 2048 px is
 *   plenty and keeps the staging upload small.
 * - POST for the RPC call (the V3 document's own example is a POST with query parameters).
 * - A failed delete is not reported: it must not hide the score or the scoring error. Give the
 *   bucket a lifecycle rule expiring `keyPrefix` after a day as the backstop for such orphans.
 * - The IMM and OSS endpoints may be overridden (`baseUrl`, `ossEndpoint`) for tests or proxies;
 *   the OSS endpoint is the bucket's own host (virtual-hosted style), the object path is appended.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { acs3CommonHeaders, acs3Nonce, signAcs3 } from '../../vendor-http/acs3-signature';
import { commonVendorOptions, defineVendor } from '../../vendor-http/define';
import type { VendorFailure } from '../../vendor-http/errors';
import { createLimiter } from '../../vendor-http/limiter';
import { contentMd5, ossUriEncode, signOss4 } from '../../vendor-http/oss-signature';
import { withRetries } from '../../vendor-http/retry';
import type { VendorImage, VendorImageSpec, VendorRequest, VendorResponse } from '../../vendor-http/types';

const VENDOR_ID = 'alibaba-imm';
const IMAGE_SPEC: VendorImageSpec = { formats: ['jpeg'], maxLongSide: 2048, maxBytes: 20 * 1024 * 1024 };
const ACTION = 'DetectImageScore';
const API_VERSION = '2020-09-30';
/** Beyond the retries' own time, for the delete that runs after the upload's deadline may have passed. */
const CLEANUP_SLACK_MS = 5_000;

const configSchema = z
  .object({
    ...commonVendorOptions,
    /** e.g. cn-hangzhou: the region of the IMM project and of the bucket. */
    regionId: z.string().regex(/^[a-z]{2,}-[a-z0-9-]+$/, 'a region id such as cn-hangzhou'),
    accessKeyId: z.string().min(1),
    accessKeySecret: z.string().min(1),
    projectName: z.string().min(1),
    /** The OSS bucket, in the same region, where images are staged for IMM to read. */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'an OSS bucket name'),
    /** Where staged objects go in the bucket; a lifecycle rule on it catches any orphan. */
    keyPrefix: z
      .string()
      .refine((prefix) => !prefix.startsWith('/'), 'must not start with "/"')
      .default('photo-score-staging/'),
    /** IMM endpoint; default https://imm.<regionId>.aliyuncs.com. */
    baseUrl: z.url().optional(),
    /** The bucket's endpoint; default https://<bucket>.oss-<regionId>.aliyuncs.com. */
    ossEndpoint: z.url().optional(),
  })
  .transform((config) => ({
    ...config,
    baseUrl: config.baseUrl ?? `https://imm.${config.regionId}.aliyuncs.com`,
    ossEndpoint: config.ossEndpoint ?? `https://${config.bucket}.oss-${config.regionId}.aliyuncs.com`,
  }));

export type AlibabaImmConfig = z.output<typeof configSchema>;

const detectImageScoreAnswer = z.looseObject({
  RequestId: z.string(),
  ImageScore: z.looseObject({ OverallQualityScore: z.number().min(0).max(1) }),
});

const jsonErrorCode = z.object({ Code: z.string() });

/** The `Code` of an Alibaba error body: JSON from the API gateway, XML from OSS. */
export function alibabaErrorCode(body: string): string | undefined {
  try {
    const parsed = jsonErrorCode.safeParse(JSON.parse(body));
    if (parsed.success) return parsed.data.Code;
  } catch {
    // not JSON: OSS answers XML
  }
  return /<Code>\s*([^<\s]+)\s*<\/Code>/.exec(body)?.[1];
}

// First match wins: quota before auth, because some quota codes start with "Forbidden.".
const FAILURE_BY_CODE: ReadonlyArray<[RegExp, VendorFailure]> = [
  [/^Throttling/, 'rate-limited'],
  [/quota|arrear|balance|overdue|^UserDisable$/i, 'quota'],
  [
    /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidTimeStamp|RequestTimeTooSkewed|SignatureNonceUsed|InvalidSecurityToken|InvalidAuthorization|AccessDenied|NoPermission|ActionUnauthorized|Forbidden)/,
    'auth',
  ],
  [/^(InternalError|ServiceUnavailable)/, 'server'],
];

export function failureForAlibabaError(body: string): VendorFailure | undefined {
  const code = alibabaErrorCode(body);
  return code === undefined ? undefined : FAILURE_BY_CODE.find(([pattern]) => pattern.test(code))?.[1];
}

/** 0–1 → 0–100, rounded to a tenth so 0.6 reads 60, not 60.00000000000001. */
const toPercent = (score: number): number => Math.round(score * 1000) / 10;

/** Unique per call, so concurrent scorings of the same upload never share (or delete) an object. */
const stagingKey = (prefix: string, image: VendorImage): string =>
  `${prefix}${image.sha256}-${randomBytes(6).toString('hex')}.${image.ext}`;

const withoutHost = (headers: Record<string, string>): Record<string, string> =>
  // undici writes Host from the URL; the signed value is that same URL host.
  Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'host'));

export const alibabaImm = defineVendor({
  id: VENDOR_ID,
  configSchema,
  secretKeys: ['accessKeySecret'],
  image: IMAGE_SPEC,
  classify: (_status, body) => failureForAlibabaError(body),

  create(config, tools) {
    const credentials = { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret };
    const immHost = new URL(config.baseUrl).host;
    const objectUrl = (key: string) =>
      `${config.ossEndpoint.replace(/\/+$/, '')}/${key.split('/').map(ossUriEncode).join('/')}`;
    const limit = createLimiter({
      vendor: VENDOR_ID,
      concurrency: config.concurrency,
      perSecond: config.ratePerSecond,
    });

    // What tools.call does (limits, retries), except that each attempt builds, and so signs, its
    // request anew: tools.call would re-send the first attempt's date and nonce.
    const exchange = (build: () => VendorRequest, signal: AbortSignal): Promise<VendorResponse> =>
      withRetries(() => limit(() => tools.http.send(build(), signal), signal), signal, config);

    const objectRequest = (method: 'PUT' | 'DELETE', key: string, image?: VendorImage): VendorRequest => {
      const headers: Record<string, string> = image
        ? { 'content-type': image.mime, 'content-md5': contentMd5(image.bytes) }
        : {};
      const signed = signOss4(
        { method, bucket: config.bucket, key, region: config.regionId, headers, date: new Date() },
        credentials,
      );
      return { method, path: objectUrl(key), headers: signed.headers, body: image?.bytes };
    };

    const detectRequest = (sourceUri: string): VendorRequest => {
      const query = { ProjectName: config.projectName, SourceURI: sourceUri };
      const common = acs3CommonHeaders({
        host: immHost,
        action: ACTION,
        version: API_VERSION,
        date: new Date(),
        nonce: acs3Nonce(),
      });
      const signed = signAcs3({ method: 'POST', query, headers: common }, credentials);
      return {
        method: 'POST',
        path: '/',
        query,
        headers: { ...withoutHost(signed.headers), accept: 'application/json' },
      };
    };

    const removeStaged = async (key: string): Promise<void> => {
      const deadline = AbortSignal.timeout(config.timeoutMs * (config.retries + 1) + CLEANUP_SLACK_MS);
      await exchange(() => objectRequest('DELETE', key), deadline).catch(() => undefined);
    };

    return {
      id: VENDOR_ID,
      image: IMAGE_SPEC,
      // DetectImageScore is IMM's billed operation; the OSS PUT and DELETE are bucket requests, not IMM calls.
      billedRequests: 1,
      async score(image, signal) {
        const key = stagingKey(config.keyPrefix, image);
        try {
          await exchange(() => objectRequest('PUT', key, image), signal);
          const response = await exchange(() => detectRequest(`oss://${config.bucket}/${key}`), signal);
          const answer = tools.http.json(response, detectImageScoreAnswer);
          return { score: toPercent(answer.ImageScore.OverallQualityScore), raw: answer };
        } finally {
          // Also after a failed or timed-out PUT: it may have been stored before the answer was lost.
          await removeStaged(key);
        }
      },
    };
  },
});
