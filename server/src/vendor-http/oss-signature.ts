/**
 * Object Storage Service's own request signature, V4 (OSS4-HMAC-SHA256), as published in "Include a
 * V4 signature in the Authorization header (recommended)"
 * (alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4). OSS does
 * not take the ACS3 signature of the other Alibaba APIs; it documents V1 (HMAC-SHA1) and V4 for
 * PutObject / DeleteObject and recommends V4, so V4 is what we use:
 *
 *   CanonicalRequest = METHOD \n URI-encode("/<bucket>/<key>") \n CanonicalQueryString \n
 *                      CanonicalHeaders \n AdditionalHeaders \n "UNSIGNED-PAYLOAD"
 *   StringToSign     = "OSS4-HMAC-SHA256" \n <x-oss-date> \n <YYYYMMDD>/<region>/oss/aliyun_v4_request \n
 *                      hex(sha256(CanonicalRequest))
 *   SigningKey       = HMAC chain: "aliyun_v4" + secret → date → region → "oss" → "aliyun_v4_request"
 *   Signature        = hex(hmac-sha256(SigningKey, StringToSign))
 *
 * The canonical URI names the bucket even when the request goes to the bucket's own host
 * (virtual-hosted style). Content-Type, Content-MD5 and every x-oss-* header are always signed;
 * other headers only when listed in AdditionalHeaders.
 */
import { createHash, createHmac } from 'node:crypto';

export const OSS4_ALGORITHM = 'OSS4-HMAC-SHA256';
/** The only payload hash OSS V4 accepts today. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface OssRequest {
  method: 'GET' | 'PUT' | 'DELETE' | 'HEAD' | 'POST';
  bucket: string;
  /** The object key, decoded, without a leading slash. */
  key: string;
  /** The region id of the bucket, e.g. cn-hangzhou. */
  region: string;
  /** Decoded sub-resources and parameters; an empty value signs as the bare name (`?acl`). */
  query?: Record<string, string>;
  /** Request headers other than x-oss-date / x-oss-content-sha256 / authorization, which the signer adds. */
  headers?: Record<string, string>;
  /** Optional headers to sign as well (lower case), e.g. content-length. */
  additionalHeaders?: ReadonlyArray<string>;
  date: Date;
}

export interface OssSignature {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  authorization: string;
  /** The request's headers plus x-oss-date, x-oss-content-sha256 and authorization, ready to send. */
  headers: Record<string, string>;
}

/** URI-encode of the V4 document: unreserved characters kept, everything else %XX in upper case. */
export const ossUriEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/** Forward slashes stay as they are in the path. */
export const ossCanonicalUri = (bucket: string, key: string): string =>
  `/${bucket}/${key.split('/').map(ossUriEncode).join('/')}`;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorted after encoding, as the document says; a parameter without value is its name alone. */
export function ossCanonicalQuery(query: Record<string, string> = {}): string {
  return Object.entries(query)
    .map(([name, value]) => (value === '' ? ossUriEncode(name) : `${ossUriEncode(name)}=${ossUriEncode(value)}`))
    .sort(byCodeUnit)
    .join('&');
}

/** x-oss-date: ISO 8601 basic format, e.g. 20250411T064124Z. */
export const ossTimestamp = (date: Date): string =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

const isAlwaysSigned = (name: string): boolean =>
  name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');

export function ossCanonicalRequest(parts: {
  method: string;
  canonicalUri: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  additionalHeaders?: ReadonlyArray<string>;
}): string {
  const additional = [...new Set((parts.additionalHeaders ?? []).map((name) => name.toLowerCase()))].sort(byCodeUnit);
  const signed = Object.entries(parts.headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value.trim()])
    .filter(([name]) => isAlwaysSigned(name) || additional.includes(name))
    .sort(([a], [b]) => byCodeUnit(a, b));
  return [
    parts.method.toUpperCase(),
    parts.canonicalUri,
    ossCanonicalQuery(parts.query),
    signed.map(([name, value]) => `${name}:${value}\n`).join(''),
    additional.join(';'),
    UNSIGNED_PAYLOAD,
  ].join('\n');
}

export const ossScope = (signDate: string, region: string): string => `${signDate}/${region}/oss/aliyun_v4_request`;

export const ossStringToSign = (timestamp: string, scope: string, canonicalRequest: string): string =>
  [OSS4_ALGORITHM, timestamp, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export const ossSigningKey = (accessKeySecret: string, signDate: string, region: string): Buffer =>
  hmac(hmac(hmac(hmac(`aliyun_v4${accessKeySecret}`, signDate), region), 'oss'), 'aliyun_v4_request');

export const ossSignatureOf = (signingKey: Buffer, stringToSign: string): string =>
  hmac(signingKey, stringToSign).toString('hex');

export function signOss4(request: OssRequest, credentials: OssCredentials): OssSignature {
  const timestamp = ossTimestamp(request.date);
  const signDate = timestamp.slice(0, 8);
  const headers = { ...request.headers, 'x-oss-date': timestamp, 'x-oss-content-sha256': UNSIGNED_PAYLOAD };
  const additional = [...new Set((request.additionalHeaders ?? []).map((name) => name.toLowerCase()))].sort(byCodeUnit);
  const canonicalRequest = ossCanonicalRequest({
    method: request.method,
    canonicalUri: ossCanonicalUri(request.bucket, request.key),
    query: request.query,
    headers,
    additionalHeaders: additional,
  });
  const scope = ossScope(signDate, request.region);
  const stringToSign = ossStringToSign(timestamp, scope, canonicalRequest);
  const signature = ossSignatureOf(ossSigningKey(credentials.accessKeySecret, signDate, request.region), stringToSign);
  const additionalPart = additional.length > 0 ? `,AdditionalHeaders=${additional.join(';')}` : '';
  const authorization = `${OSS4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}${additionalPart},Signature=${signature}`;
  return { canonicalRequest, stringToSign, signature, authorization, headers: { ...headers, authorization } };
}

/** Content-MD5 as OSS checks it on PutObject: base64 of the body's MD5. */
export const contentMd5 = (body: Buffer): string => createHash('md5').update(body).digest('base64');
