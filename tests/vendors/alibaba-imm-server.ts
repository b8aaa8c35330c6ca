/**
 * Strict stand-ins for Alibaba Cloud IMM (DetectImageScore, RPC style, signature V3) and for one
 * OSS bucket (PutObject / DeleteObject, signature V4). Both recompute the signature from the
 * request as received (method, path, query, the headers it names, the body's hash) with the known
 * secret and refuse anything else the way Alibaba does: JSON `{RequestId, HostId, Code, Message}`
 * from the API gateway, XML `<Error><Code>…</Code>…</Error>` from OSS, with the gateway's own codes
 * and (inconsistent) statuses.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  acs3CanonicalRequest,
  acs3SignatureOf,
  acs3StringToSign,
  sha256Hex,
} from '../../server/src/vendor-http/acs3-signature';
import {
  contentMd5,
  ossCanonicalRequest,
  ossCanonicalUri,
  ossScope,
  ossSignatureOf,
  ossSigningKey,
  ossStringToSign,
  UNSIGNED_PAYLOAD,
} from '../../server/src/vendor-http/oss-signature';
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from './fake-server';

export interface FakeAlibabaOptions {
  accessKeyId: string;
  accessKeySecret: string;
  regionId: string;
  projectName: string;
  bucket: string;
}

export interface FakeAlibaba {
  imm: FakeServer;
  oss: FakeServer;
  /** The bucket's content, by object key. */
  objects: Map<string, Buffer>;
  /** What was done, in order: "put <key>", "detect <key>", "delete <key>" (successful operations only). */
  log: string[];
  /** The OverallQualityScore DetectImageScore answers (default 0.6). */
  setScore(score: number): void;
  /** Makes every DeleteObject answer 500 InternalError. */
  failDeletes(fail: boolean): void;
  /**
   * Answers the next `times` DetectImageScore calls with this error, after authenticating them (so
   * their nonces count as used, as at the real gateway: a retry that replays one is refused).
   */
  failDetects(status: number, code: string, times: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

const ACTION = 'DetectImageScore';
const API_VERSION = '2020-09-30';
/** Both gateways refuse a request dated more than 15 minutes from their clock. */
const CLOCK_SKEW_MS = 15 * 60_000;
const REQUIRED_ACS3_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-content-sha256',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-version',
];

const headerOf = (req: RecordedRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

const flatHeaders = (req: RecordedRequest): Record<string, string> =>
  Object.fromEntries(
    Object.keys(req.headers).flatMap((name) => {
      const value = headerOf(req, name);
      return value === undefined ? [] : [[name, value]];
    }),
  );

const requestId = () => randomUUID().toUpperCase();

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const withinSkew = (time: number) => Number.isFinite(time) && Math.abs(Date.now() - time) <= CLOCK_SKEW_MS;

/** 20250411T064124Z → epoch ms. */
const parseOssDate = (value: string): number =>
  Date.parse(
    `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`,
  );

export async function startFakeAlibaba(options: FakeAlibabaOptions): Promise<FakeAlibaba> {
  const objects = new Map<string, Buffer>();
  const log: string[] = [];
  const seenNonces = new Set<string>();
  let score = 0.6;
  let deletesFail = false;
  const detectFailures: Reply[] = [];

  const immHostId = `imm.${options.regionId}.aliyuncs.com`;
  const immError = (status: number, code: string, message: string): Reply => ({
    status,
    body: { RequestId: requestId(), HostId: immHostId, Code: code, Message: message },
  });

  /** The V3 gateway's checks, in its order: who, what was signed, when, the signature, replay. */
  const authenticateAcs3 = (req: RecordedRequest): Reply | null => {
    const authorization = headerOf(req, 'authorization');
    if (!authorization) return immError(400, 'MissingAuthorization', 'Authorization is mandatory for this action.');
    const parsed = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
    if (!parsed)
      return immError(400, 'IncompleteSignature', 'The request signature does not conform to Alibaba Cloud standards.');
    const [, accessKeyId, signedHeaderList, signature] = parsed;
    if (accessKeyId !== options.accessKeyId)
      return immError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');

    const signedNames = signedHeaderList.split(';');
    const presentAcsHeaders = Object.keys(req.headers).filter((name) => name.startsWith('x-acs-'));
    const mustBeSigned = [...new Set([...REQUIRED_ACS3_HEADERS, ...presentAcsHeaders])];
    const unsigned = mustBeSigned.filter((name) => headerOf(req, name) === undefined || !signedNames.includes(name));
    if (unsigned.length > 0)
      return immError(400, 'IncompleteSignature', `The request signature does not cover: ${unsigned.join(', ')}.`);
    if (signedNames.some((name) => headerOf(req, name) === undefined)) {
      return immError(400, 'IncompleteSignature', 'A signed header is missing from the request.');
    }

    const date = headerOf(req, 'x-acs-date') ?? '';
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date))
      return immError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    if (!withinSkew(Date.parse(date)))
      return immError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');

    const payloadHash = headerOf(req, 'x-acs-content-sha256') ?? '';
    if (payloadHash !== sha256Hex(req.body))
      return immError(400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 does not match the request body.');

    const canonicalRequest = acs3CanonicalRequest({
      method: req.method,
      canonicalUri: req.path,
      query: Object.fromEntries(req.query),
      signed: signedNames.map((name): [string, string] => [name, (headerOf(req, name) ?? '').trim()]),
      hashedPayload: payloadHash,
    });
    const stringToSign = acs3StringToSign(canonicalRequest);
    if (acs3SignatureOf(options.accessKeySecret, stringToSign) !== signature) {
      return immError(
        403,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
      );
    }

    const nonce = headerOf(req, 'x-acs-signature-nonce') ?? '';
    if (seenNonces.has(nonce))
      return immError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    seenNonces.add(nonce);
    return null;
  };

  const detectImageScore = (req: RecordedRequest): Reply => {
    if (req.method !== 'POST' && req.method !== 'GET')
      return immError(400, 'UnsupportedHTTPMethod', `${req.method} is not supported.`);
    const refusal = authenticateAcs3(req);
    if (refusal) return refusal;
    const failure = detectFailures.shift();
    if (failure) return failure;
    if (req.path !== '/')
      return immError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.');
    if (headerOf(req, 'x-acs-action') !== ACTION)
      return immError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
    if (headerOf(req, 'x-acs-version') !== API_VERSION)
      return immError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');

    const projectName = req.query.get('ProjectName');
    if (!projectName) return immError(400, 'MissingProjectName', 'ProjectName is mandatory for this action.');
    if (projectName !== options.projectName)
      return immError(404, 'ResourceNotFound', `The specified project ${projectName} does not exist.`);
    const sourceUri = req.query.get('SourceURI');
    if (!sourceUri) return immError(400, 'MissingSourceURI', 'SourceURI is mandatory for this action.');
    const location = /^oss:\/\/([^/]+)\/(.+)$/.exec(sourceUri);
    if (!location)
      return immError(
        400,
        'InvalidParameter.SourceURI',
        'The SourceURI must be in the oss://${Bucket}/${Object} format.',
      );
    const [, bucket, key] = location;
    if (bucket !== options.bucket)
      return immError(400, 'InvalidParameter.SourceURI', `The bucket ${bucket} is not in the region of the project.`);
    const object = objects.get(key);
    if (!object) return immError(404, 'ResourceNotFound', `The specified object ${key} does not exist.`);
    if (object[0] !== 0xff || object[1] !== 0xd8)
      return immError(400, 'InvalidParameter.SourceURI', 'The image format is not supported.');

    log.push(`detect ${key}`);
    return { status: 200, body: { RequestId: requestId(), ImageScore: { OverallQualityScore: score } } };
  };

  const ossHostId = `${options.bucket}.oss-${options.regionId}.aliyuncs.com`;
  const ossError = (status: number, code: string, message: string, extra: Record<string, string> = {}): Reply => {
    const id = requestId();
    const fields = { Code: code, Message: message, RequestId: id, HostId: ossHostId, ...extra };
    const xml = Object.entries(fields)
      .map(([name, value]) => `  <${name}>${xmlEscape(value)}</${name}>`)
      .join('\n');
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-oss-request-id': id },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n${xml}\n</Error>\n`,
    };
  };

  /** The V4 checks OSS makes before touching the object. */
  const authenticateOss4 = (req: RecordedRequest, key: string): Reply | null => {
    const authorization = headerOf(req, 'authorization');
    if (!authorization)
      return ossError(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
    const parsed =
      /^OSS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/oss\/aliyun_v4_request,\s*(?:AdditionalHeaders=([^,]*),\s*)?Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    if (!parsed) return ossError(400, 'InvalidArgument', 'Authorization header is invalid.');
    const [, accessKeyId, signDate, region, additional, signature] = parsed;
    if (accessKeyId !== options.accessKeyId)
      return ossError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.');
    if (region !== options.regionId)
      return ossError(400, 'InvalidArgument', `Invalid signing region in Authorization header: ${region}.`);
    if (headerOf(req, 'x-oss-content-sha256') !== UNSIGNED_PAYLOAD)
      return ossError(400, 'InvalidArgument', 'x-oss-content-sha256 must be UNSIGNED-PAYLOAD.');
    const timestamp = headerOf(req, 'x-oss-date') ?? '';
    if (!/^\d{8}T\d{6}Z$/.test(timestamp) || timestamp.slice(0, 8) !== signDate) {
      return ossError(
        400,
        'InvalidArgument',
        'x-oss-date is missing, malformed or not the date of the credential scope.',
      );
    }
    if (!withinSkew(parseOssDate(timestamp)))
      return ossError(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      );

    const canonicalRequest = ossCanonicalRequest({
      method: req.method,
      canonicalUri: ossCanonicalUri(options.bucket, key),
      query: Object.fromEntries(req.query),
      headers: flatHeaders(req),
      additionalHeaders: additional ? additional.split(';') : [],
    });
    const stringToSign = ossStringToSign(timestamp, ossScope(signDate, region), canonicalRequest);
    if (ossSignatureOf(ossSigningKey(options.accessKeySecret, signDate, region), stringToSign) !== signature) {
      return ossError(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
        {
          StringToSign: stringToSign,
          CanonicalRequest: canonicalRequest,
        },
      );
    }
    return null;
  };

  const bucketEndpoint = (req: RecordedRequest): Reply => {
    let key: string;
    try {
      key = decodeURIComponent(req.path.slice(1));
    } catch {
      return ossError(400, 'InvalidObjectName', 'The object name is not valid URI encoding.');
    }
    if (!key) return ossError(400, 'InvalidObjectName', 'The specified object name is empty.');
    const refusal = authenticateOss4(req, key);
    if (refusal) return refusal;

    if (req.method === 'PUT') {
      if (req.body.length === 0) return ossError(400, 'InvalidArgument', 'The object body is empty.');
      const md5 = headerOf(req, 'content-md5');
      if (md5 !== undefined && md5 !== contentMd5(req.body))
        return ossError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
      objects.set(key, req.body);
      log.push(`put ${key}`);
      const etag = createHash('md5').update(req.body).digest('hex').toUpperCase();
      return { status: 200, headers: { etag: `"${etag}"`, 'x-oss-request-id': requestId() } };
    }
    if (req.method === 'DELETE') {
      if (deletesFail) return ossError(500, 'InternalError', 'We encountered an internal error. Please try again.');
      // OSS answers 204 whether or not the object existed.
      objects.delete(key);
      log.push(`delete ${key}`);
      return { status: 204, headers: { 'x-oss-request-id': requestId() } };
    }
    return ossError(
      405,
      'MethodNotAllowed',
      `The specified method ${req.method} is not allowed against this resource.`,
    );
  };

  const imm = await startFakeServer(detectImageScore);
  const oss = await startFakeServer(bucketEndpoint);
  return {
    imm,
    oss,
    objects,
    log,
    setScore: (value) => void (score = value),
    failDeletes: (fail) => void (deletesFail = fail),
    failDetects: (status, code, times, headers = {}) => {
      for (let i = 0; i < times; i += 1) {
        const reply = immError(status, code, `${code} (injected)`);
        detectFailures.push({ ...reply, headers });
      }
    },
    close: async () => {
      await Promise.all([imm.close(), oss.close()]);
    },
  };
}
