import sharp from 'sharp';
import { request } from 'undici';
import { alibabaImm, failureForAlibabaError } from '../../server/src/scorers/vendors/alibaba-imm';
import { acs3CommonHeaders, acs3Nonce, signAcs3 } from '../../server/src/vendor-http/acs3-signature';
import { instantiateVendor } from '../../server/src/vendor-http/define';
import { failureForStatus, VendorError, type VendorFailure } from '../../server/src/vendor-http/errors';
import { contentMd5, signOss4 } from '../../server/src/vendor-http/oss-signature';
import type { VendorImage, VendorScorer } from '../../server/src/vendor-http/types';
import { startFakeAlibaba, type FakeAlibaba } from './alibaba-imm-server';

const SECRET = 'imm-test-secret-Zq8Xw2';
const ACCOUNT = {
  accessKeyId: 'LTAI5tFakeAccessKeyId',
  accessKeySecret: SECRET,
  regionId: 'cn-hangzhou',
  projectName: 'photo-score',
  bucket: 'photo-score-staging',
};

let fake: FakeAlibaba;
let image: VendorImage;

beforeAll(async () => {
  const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#6a8caf' } })
    .jpeg()
    .toBuffer();
  image = { bytes, format: 'jpeg', mime: 'image/jpeg', ext: 'jpg', width: 64, height: 48, sha256: 'ab'.repeat(32) };
});

beforeEach(async () => {
  fake = await startFakeAlibaba(ACCOUNT);
});

afterEach(async () => {
  await fake.close();
});

const scorer = (overrides: Record<string, unknown> = {}): VendorScorer =>
  instantiateVendor(
    alibabaImm,
    alibabaImm.configSchema.parse({
      enabled: true,
      ...ACCOUNT,
      baseUrl: fake.imm.url,
      ossEndpoint: fake.oss.url,
      timeoutMs: 2_000,
      ...overrides,
    }),
  );

const deadline = () => AbortSignal.timeout(15_000);

/** The scoring's failure, checked to be a VendorError of `kind` that does not show the secret. */
async function failure(scoring: Promise<unknown>, kind: VendorFailure): Promise<VendorError> {
  const error = await scoring.then(
    () => {
      throw new Error('expected the scoring to fail');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VendorError);
  const vendorError = error as VendorError;
  expect(vendorError.kind).toBe(kind);
  expect(vendorError.message).not.toContain(SECRET);
  return vendorError;
}

const stagedKey = (): string => {
  const put = fake.log.find((entry) => entry.startsWith('put '));
  if (!put) throw new Error('nothing was staged');
  return put.slice(4);
};

/** The staged object went through put (→ detect) → delete and is gone from the bucket. */
const expectCleanedUp = () => {
  expect(fake.log.at(-1)).toBe(`delete ${stagedKey()}`);
  expect(fake.objects.size).toBe(0);
};

const immError = (status: number, code: string, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: {
    RequestId: 'E7A1B2C3-0000-4000-8000-000000000000',
    HostId: 'imm.cn-hangzhou.aliyuncs.com',
    Code: code,
    Message: `${code} (injected)`,
  },
});

describe('alibaba-imm: a correct call', () => {
  it('stages the image, scores 0.6 as 60 and deletes the staged object', async () => {
    const verdict = await scorer().score(image, deadline());

    expect(verdict.score).toBe(60);
    expect(verdict.raw).toMatchObject({ ImageScore: { OverallQualityScore: 0.6 } });
    const key = stagedKey();
    expect(key).toMatch(new RegExp(`^photo-score-staging/${image.sha256}-[0-9a-f]{12}\\.jpg$`));
    expect(fake.log).toEqual([`put ${key}`, `detect ${key}`, `delete ${key}`]);
    expect(fake.objects.size).toBe(0);

    const [put, remove] = fake.oss.requests;
    expect(put.method).toBe('PUT');
    expect(put.headers['content-type']).toBe('image/jpeg');
    expect(put.headers['content-md5']).toBe(contentMd5(image.bytes));
    expect(put.body.equals(image.bytes)).toBe(true);
    expect(remove.method).toBe('DELETE');

    const [detect] = fake.imm.requests;
    expect(detect.method).toBe('POST');
    expect(detect.query.get('ProjectName')).toBe('photo-score');
    expect(detect.query.get('SourceURI')).toBe(`oss://photo-score-staging/${key}`);
    expect(detect.headers['x-acs-action']).toBe('DetectImageScore');
    expect(detect.headers['x-acs-version']).toBe('2020-09-30');
    expect(detect.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tFakeAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );
  });

  it('uses a new object key on every call, even for the same image', async () => {
    const imm = scorer();
    await imm.score(image, deadline());
    await imm.score(image, deadline());
    const puts = fake.log.filter((entry) => entry.startsWith('put '));
    expect(puts).toHaveLength(2);
    expect(puts[0]).not.toBe(puts[1]);
    expect(fake.objects.size).toBe(0);
  });

  it('derives both endpoints from the region by default', () => {
    const config = alibabaImm.configSchema.parse({ ...ACCOUNT });
    expect(config.baseUrl).toBe('https://imm.cn-hangzhou.aliyuncs.com');
    expect(config.ossEndpoint).toBe('https://photo-score-staging.oss-cn-hangzhou.aliyuncs.com');
    expect(config.keyPrefix).toBe('photo-score-staging/');
    expect(alibabaImm.image).toEqual({ formats: ['jpeg'], maxLongSide: 2048, maxBytes: 20 * 1024 * 1024 });
  });
});

describe('alibaba-imm: the staged object is deleted when scoring fails', () => {
  it('after an error answer (unknown project → ResourceNotFound → rejected)', async () => {
    const error = await failure(scorer({ projectName: 'no-such-project' }).score(image, deadline()), 'rejected');
    expect(error.message).toContain('ResourceNotFound');
    expect(error.details.status).toBe(404);
    expectCleanedUp();
  });

  it("after the upload's deadline passed mid-call (the delete has a deadline of its own)", async () => {
    fake.imm.inject({ hang: true });
    const error = await failure(scorer({ retries: 0 }).score(image, AbortSignal.timeout(300)), 'timeout');
    expect(error.message).toContain('deadline');
    expectCleanedUp();
  });

  it('after a timeout (DetectImageScore hangs)', async () => {
    fake.imm.inject({ hang: true });
    await failure(scorer({ timeoutMs: 300, retries: 0 }).score(image, deadline()), 'timeout');
    expectCleanedUp();
  });

  it('after an answer that is not JSON', async () => {
    fake.imm.inject({ reply: { status: 200, body: '<html>gateway</html>' }, times: 1 });
    await failure(scorer().score(image, deadline()), 'invalid-response');
    expectCleanedUp();
  });

  it('after an answer of the wrong schema (score out of 0–1, or missing)', async () => {
    fake.imm.inject({
      reply: { status: 200, body: { RequestId: 'R', ImageScore: { OverallQualityScore: 7 } } },
      times: 1,
    });
    await failure(scorer().score(image, deadline()), 'invalid-response');
    expectCleanedUp();

    fake.imm.inject({ reply: { status: 200, body: { RequestId: 'R' } }, times: 1 });
    await failure(scorer().score(image, deadline()), 'invalid-response');
    expect(fake.objects.size).toBe(0);
  });

  it('a failed delete does not hide the score (the orphan is left to the bucket lifecycle rule)', async () => {
    fake.failDeletes(true);
    const verdict = await scorer({ retries: 0 }).score(image, deadline());
    expect(verdict.score).toBe(60);
    expect(fake.objects.size).toBe(1);
  });
});

describe('alibaba-imm: faults', () => {
  it('retries a 5xx and re-signs the retry (new date/nonce, new signature)', async () => {
    // Failed after authentication, so a retry replaying the first nonce would get SignatureNonceUsed.
    fake.failDetects(500, 'InternalError', 2);
    const verdict = await scorer().score(image, deadline());
    expect(verdict.score).toBe(60);
    expect(fake.imm.requests).toHaveLength(3);
    const nonces = new Set(fake.imm.requests.map((req) => req.headers['x-acs-signature-nonce']));
    const signatures = new Set(fake.imm.requests.map((req) => req.headers.authorization));
    expect(nonces.size).toBe(3);
    expect(signatures.size).toBe(3);
    expectCleanedUp();
  });

  it('waits out Retry-After on Throttling 429, then succeeds', async () => {
    fake.imm.inject({ reply: immError(429, 'Throttling.User', { 'retry-after': '1' }), times: 1 });
    const started = Date.now();
    expect((await scorer().score(image, deadline())).score).toBe(60);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.imm.requests).toHaveLength(2);
  });

  it('waits out Retry-After on 503 ServiceUnavailable, then succeeds', async () => {
    fake.imm.inject({ reply: immError(503, 'ServiceUnavailable', { 'retry-after': '1' }), times: 1 });
    const started = Date.now();
    expect((await scorer().score(image, deadline())).score).toBe(60);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries Throttling answered as 400, the status the gateway usually uses', async () => {
    fake.imm.inject({ reply: immError(400, 'Throttling.User'), times: 1 });
    expect((await scorer().score(image, deadline())).score).toBe(60);
  });

  it('reports rate-limited once the retries are spent, and still deletes', async () => {
    fake.imm.inject({ reply: immError(429, 'Throttling', { 'retry-after': '0' }) });
    await failure(scorer({ retries: 1 }).score(image, deadline()), 'rate-limited');
    expect(fake.imm.requests).toHaveLength(2);
    expectCleanedUp();
  });

  it('retries a 503 from the bucket on the staging PUT', async () => {
    fake.oss.inject({
      reply: {
        status: 503,
        headers: { 'content-type': 'application/xml' },
        body: '<Error><Code>ServiceUnavailable</Code></Error>',
      },
      times: 1,
    });
    expect((await scorer().score(image, deadline())).score).toBe(60);
    expect(fake.objects.size).toBe(0);
  });

  it('a wrong secret fails as auth at the bucket, without calling IMM and without showing the secret', async () => {
    const wrongSecret = 'not-the-right-secret-9';
    const error = await failure(scorer({ accessKeySecret: wrongSecret }).score(image, deadline()), 'auth');
    expect(error.message).toContain('SignatureDoesNotMatch');
    expect(error.message).not.toContain(wrongSecret);
    expect(fake.imm.requests).toHaveLength(0);
    expect(fake.objects.size).toBe(0);
  });

  it('redacts the secret from an error body that echoes it', async () => {
    fake.imm.inject({
      reply: {
        status: 403,
        body: { RequestId: 'R', HostId: 'h', Code: 'Forbidden.RAM', Message: `denied for ${SECRET}` },
      },
    });
    const error = await failure(scorer().score(image, deadline()), 'auth');
    expect(error.message).toContain('[redacted]');
    expectCleanedUp();
  });

  it('maps quota and arrears codes to quota', () => {
    expect(failureForAlibabaError(JSON.stringify({ Code: 'Forbidden.InsufficientBalance' }))).toBe('quota');
    expect(failureForAlibabaError('<Error><Code>UserDisable</Code></Error>')).toBe('quota');
    expect(failureForAlibabaError(JSON.stringify({ Code: 'InternalError' }))).toBe('server');
    expect(failureForAlibabaError('not an Alibaba body')).toBeUndefined();
  });
});

/** How our client reads an answer: the adapter's reading of the Code first, the status otherwise. */
const kindOf = (status: number, body: string): VendorFailure =>
  alibabaImm.classify?.(status, body) ?? failureForStatus(status);

/** A DetectImageScore call made by hand, to see what the fake refuses and how it is classified. */
async function callImm(options: {
  query?: Record<string, string>;
  action?: string;
  accessKeyId?: string;
  secret?: string;
  date?: Date;
  nonce?: string;
  leaveUnsigned?: string;
  tamper?: boolean;
}) {
  const host = new URL(fake.imm.url).host;
  const query = options.query ?? { ProjectName: ACCOUNT.projectName, SourceURI: `oss://${ACCOUNT.bucket}/missing.jpg` };
  const common = acs3CommonHeaders({
    host,
    action: options.action ?? 'DetectImageScore',
    version: '2020-09-30',
    date: options.date ?? new Date(),
    nonce: options.nonce ?? acs3Nonce(),
  });
  const toSign = Object.fromEntries(Object.entries(common).filter(([name]) => name !== options.leaveUnsigned));
  const signed = signAcs3(
    { method: 'POST', query, headers: toSign },
    { accessKeyId: options.accessKeyId ?? ACCOUNT.accessKeyId, accessKeySecret: options.secret ?? SECRET },
  );
  const headers: Record<string, string> = { ...common, ...signed.headers };
  delete headers.host;
  if (options.tamper) {
    // Change the signature's last hex digit to a different one.
    headers.authorization = headers.authorization.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
  }
  const url = new URL(fake.imm.url);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const response = await request(url, { method: 'POST', headers });
  const body = await response.body.text();
  return {
    status: response.statusCode,
    body,
    code: (JSON.parse(body) as { Code?: string }).Code,
    kind: kindOf(response.statusCode, body),
  };
}

describe('the fake IMM endpoint is strict', () => {
  it('refuses missing and invalid parameters with Alibaba errors (rejected)', async () => {
    await expect(callImm({ query: { SourceURI: `oss://${ACCOUNT.bucket}/a.jpg` } })).resolves.toMatchObject({
      status: 400,
      code: 'MissingProjectName',
      kind: 'rejected',
    });
    await expect(callImm({ query: { ProjectName: ACCOUNT.projectName } })).resolves.toMatchObject({
      status: 400,
      code: 'MissingSourceURI',
      kind: 'rejected',
    });
    await expect(
      callImm({ query: { ProjectName: ACCOUNT.projectName, SourceURI: 'https://example.com/a.jpg' } }),
    ).resolves.toMatchObject({
      status: 400,
      code: 'InvalidParameter.SourceURI',
      kind: 'rejected',
    });
    await expect(
      callImm({ query: { ProjectName: ACCOUNT.projectName, SourceURI: 'oss://other-bucket/a.jpg' } }),
    ).resolves.toMatchObject({
      status: 400,
      code: 'InvalidParameter.SourceURI',
      kind: 'rejected',
    });
    await expect(callImm({})).resolves.toMatchObject({ status: 404, code: 'ResourceNotFound', kind: 'rejected' });
    await expect(callImm({ action: 'DetectImageFaces' })).resolves.toMatchObject({
      status: 404,
      code: 'InvalidAction.NotFound',
      kind: 'rejected',
    });
  });

  it('refuses bad signatures, keys, clocks and replays (auth)', async () => {
    await expect(callImm({ tamper: true })).resolves.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      kind: 'auth',
    });
    await expect(callImm({ secret: 'wrong' })).resolves.toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
      kind: 'auth',
    });
    await expect(callImm({ accessKeyId: 'LTAI-unknown' })).resolves.toMatchObject({
      status: 404,
      code: 'InvalidAccessKeyId.NotFound',
      kind: 'auth',
    });
    await expect(callImm({ date: new Date(Date.now() - 20 * 60_000) })).resolves.toMatchObject({
      code: 'InvalidTimeStamp.Expired',
      kind: 'auth',
    });
    await expect(callImm({ leaveUnsigned: 'x-acs-signature-nonce' })).resolves.toMatchObject({
      code: 'IncompleteSignature',
      kind: 'auth',
    });
    const nonce = acs3Nonce();
    await callImm({ nonce });
    await expect(callImm({ nonce })).resolves.toMatchObject({ status: 400, code: 'SignatureNonceUsed', kind: 'auth' });
  });
});

describe('the fake bucket is strict', () => {
  const objectUrl = () => `${fake.oss.url}/photo-score-staging/x.jpg`;
  const putHeaders = (secret: string, md5: string) =>
    signOss4(
      {
        method: 'PUT',
        bucket: ACCOUNT.bucket,
        key: 'photo-score-staging/x.jpg',
        region: ACCOUNT.regionId,
        headers: { 'content-type': 'image/jpeg', 'content-md5': md5 },
        date: new Date(),
      },
      { accessKeyId: ACCOUNT.accessKeyId, accessKeySecret: secret },
    ).headers;
  const put = async (headers: Record<string, string>) => {
    const response = await request(objectUrl(), { method: 'PUT', headers, body: image.bytes });
    const body = await response.body.text();
    return { status: response.statusCode, body, kind: kindOf(response.statusCode, body) };
  };

  it('stores a correctly signed PUT', async () => {
    await expect(put(putHeaders(SECRET, contentMd5(image.bytes)))).resolves.toMatchObject({ status: 200 });
    expect(fake.objects.get('photo-score-staging/x.jpg')?.equals(image.bytes)).toBe(true);
  });

  it('refuses a wrong signature, an unsigned request and a wrong Content-MD5 with OSS XML errors', async () => {
    const wrongSignature = await put(putHeaders('wrong', contentMd5(image.bytes)));
    expect(wrongSignature).toMatchObject({ status: 403, kind: 'auth' });
    expect(wrongSignature.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    await expect(put({ 'content-type': 'image/jpeg' })).resolves.toMatchObject({ status: 403, kind: 'auth' });
    const wrongDigest = await put(putHeaders(SECRET, contentMd5(Buffer.from('other'))));
    expect(wrongDigest.status).toBe(400);
    expect(wrongDigest.body).toContain('<Code>InvalidDigest</Code>');
    expect(fake.objects.size).toBe(0);
  });
});
