import {
  acs3CommonHeaders,
  acs3Date,
  acs3Nonce,
  canonicalQueryString,
  percentEncode,
  sha256Hex,
  signAcs3,
} from './acs3-signature';

/**
 * The worked example ("Fixed parameter values") of Alibaba Cloud's "Request syntax and signature
 * method V3", alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature.
 * Every expected value below is copied from that page, not computed by this code.
 */
const PUBLISHED = {
  accessKeyId: 'YourAccessKeyId',
  accessKeySecret: 'YourAccessKeySecret',
  nonce: '3156853299f313e23d1673dc12e1703d',
  date: '2023-10-26T10:22:32Z',
  action: 'RunInstances',
  version: '2014-05-26',
  host: 'ecs.cn-shanghai.aliyuncs.com',
  query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
  canonicalRequest: [
    'POST',
    '/',
    'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    'host:ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action:RunInstances',
    'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-acs-date:2023-10-26T10:22:32Z',
    'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
    'x-acs-version:2014-05-26',
    '',
    'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n'),
  stringToSign: 'ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
  signature: '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
  authorization:
    'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
};

const signPublishedExample = () =>
  signAcs3(
    {
      method: 'POST',
      query: PUBLISHED.query,
      headers: acs3CommonHeaders({
        host: PUBLISHED.host,
        action: PUBLISHED.action,
        version: PUBLISHED.version,
        date: new Date(PUBLISHED.date),
        nonce: PUBLISHED.nonce,
      }),
    },
    { accessKeyId: PUBLISHED.accessKeyId, accessKeySecret: PUBLISHED.accessKeySecret },
  );

describe('ACS3-HMAC-SHA256 (Alibaba Cloud signature V3)', () => {
  it('reproduces the published canonical request byte for byte', () => {
    expect(signPublishedExample().canonicalRequest).toBe(PUBLISHED.canonicalRequest);
  });

  it('reproduces the published string to sign (hash of the canonical request)', () => {
    const signed = signPublishedExample();
    expect(signed.stringToSign).toBe(PUBLISHED.stringToSign);
    expect(signed.hashedCanonicalRequest).toBe('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  });

  it('reproduces the published signature and Authorization header', () => {
    const signed = signPublishedExample();
    expect(signed.signature).toBe(PUBLISHED.signature);
    expect(signed.authorization).toBe(PUBLISHED.authorization);
    expect(signed.headers.authorization).toBe(PUBLISHED.authorization);
    expect(signed.headers['x-acs-content-sha256']).toBe(sha256Hex(''));
  });

  it('signs host, content-type and x-acs-* only, whatever their case', () => {
    const signed = signAcs3(
      {
        method: 'POST',
        headers: { Host: 'h', 'X-ACS-Action': 'A', Accept: 'application/json', 'Content-Type': 'application/json' },
        body: '{}',
      },
      { accessKeyId: 'id', accessKeySecret: 'secret' },
    );
    expect(signed.signedHeaders).toBe('content-type;host;x-acs-action;x-acs-content-sha256');
    expect(signed.canonicalRequest.endsWith(`\n${sha256Hex('{}')}`)).toBe(true);
  });

  it('encodes per RFC 3986 and sorts parameters by name', () => {
    expect(percentEncode("a b*c~d/e:f!'()")).toBe('a%20b%2Ac~d%2Fe%3Af%21%27%28%29');
    expect(canonicalQueryString({ SourceURI: 'oss://bucket/dir/a b.jpg', ProjectName: 'p', Empty: '' })).toBe(
      'Empty=&ProjectName=p&SourceURI=oss%3A%2F%2Fbucket%2Fdir%2Fa%20b.jpg',
    );
  });

  it('formats x-acs-date to the second and makes a new nonce every time', () => {
    expect(acs3Date(new Date('2024-01-02T03:04:05.678Z'))).toBe('2024-01-02T03:04:05Z');
    expect(acs3Nonce()).toMatch(/^[0-9a-f]{32}$/);
    expect(acs3Nonce()).not.toBe(acs3Nonce());
  });
});
