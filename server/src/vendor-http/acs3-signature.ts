/**
 * Alibaba Cloud's request signature V3, ACS3-HMAC-SHA256, as published in "Request syntax and
 * signature method V3" (alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature):
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
 *                      SignedHeaders \n HashedRequestPayload
 *   StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
 *   Authorization    = "ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<…>,Signature=<…>"
 *
 * Signed headers are `host`, `content-type` and every `x-acs-*` header. The key is the raw secret
 * (unlike V2, no "&" suffix). Pure functions: the caller supplies the date and nonce, so a retried
 * request can be signed afresh and the published example can be reproduced byte for byte.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface Acs3Request {
  /** Upper case, e.g. POST. */
  method: string;
  /** The encoded resource path; RPC-style APIs always use "/". */
  canonicalUri?: string;
  /** Decoded parameter names and values ("in": "query" in the API metadata). */
  query?: Record<string, string>;
  /** Must hold `host` and the `x-acs-*` headers; others than host/content-type/x-acs-* are not signed. */
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface Acs3Signature {
  canonicalRequest: string;
  hashedCanonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string;
  authorization: string;
  /** The request's headers plus `x-acs-content-sha256` and `authorization`, ready to send. */
  headers: Record<string, string>;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** RFC 3986: only A–Z a–z 0–9 - _ . ~ stay as they are; space is %20, * is %2A. */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

// Code-unit order, as the published Java sample's TreeMap sorts; localeCompare would reorder case.
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function canonicalQueryString(query: Record<string, string> = {}): string {
  return Object.keys(query)
    .sort(byCodeUnit)
    .map((name) => `${percentEncode(name)}=${percentEncode(query[name] ?? '')}`)
    .join('&');
}

const isSignedHeader = (name: string): boolean =>
  name === 'host' || name === 'content-type' || name.startsWith('x-acs-');

/** The headers V3 signs, lower-cased and trimmed, in signing order. */
export function headersToSign(headers: Record<string, string>): Array<[string, string]> {
  return Object.entries(headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value.trim()])
    .filter(([name]) => isSignedHeader(name))
    .sort(([a], [b]) => byCodeUnit(a, b));
}

export function acs3CanonicalRequest(parts: {
  method: string;
  canonicalUri: string;
  query: Record<string, string>;
  /** Already lower-cased, trimmed and sorted (see `headersToSign`). */
  signed: Array<[string, string]>;
  hashedPayload: string;
}): string {
  const canonicalHeaders = parts.signed.map(([name, value]) => `${name}:${value}\n`).join('');
  return [
    parts.method.toUpperCase(),
    parts.canonicalUri,
    canonicalQueryString(parts.query),
    canonicalHeaders,
    parts.signed.map(([name]) => name).join(';'),
    parts.hashedPayload,
  ].join('\n');
}

export const acs3StringToSign = (canonicalRequest: string): string =>
  `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;

export const acs3SignatureOf = (accessKeySecret: string, stringToSign: string): string =>
  createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');

export function signAcs3(request: Acs3Request, credentials: Acs3Credentials): Acs3Signature {
  const hashedPayload = sha256Hex(request.body ?? '');
  const withPayloadHash = { ...request.headers, 'x-acs-content-sha256': hashedPayload };
  const signed = headersToSign(withPayloadHash);
  const canonicalRequest = acs3CanonicalRequest({
    method: request.method,
    canonicalUri: request.canonicalUri ?? '/',
    query: request.query ?? {},
    signed,
    hashedPayload,
  });
  const stringToSign = acs3StringToSign(canonicalRequest);
  const signature = acs3SignatureOf(credentials.accessKeySecret, stringToSign);
  const signedHeaders = signed.map(([name]) => name).join(';');
  const authorization = `${ACS3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return {
    canonicalRequest,
    hashedCanonicalRequest: sha256Hex(canonicalRequest),
    stringToSign,
    signature,
    signedHeaders,
    authorization,
    headers: { ...withPayloadHash, authorization },
  };
}

/** x-acs-date: ISO 8601 UTC to the second, e.g. 2023-10-26T10:22:32Z. */
export const acs3Date = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A fresh x-acs-signature-nonce; the gateway refuses a nonce it has seen (replay protection). */
export const acs3Nonce = (): string => randomBytes(16).toString('hex');

/** The common headers of a V3 call; the signer adds x-acs-content-sha256 and authorization. */
export function acs3CommonHeaders(options: {
  host: string;
  action: string;
  version: string;
  date: Date;
  nonce: string;
}): Record<string, string> {
  return {
    host: options.host,
    'x-acs-action': options.action,
    'x-acs-version': options.version,
    'x-acs-date': acs3Date(options.date),
    'x-acs-signature-nonce': options.nonce,
  };
}
