import {
  basicAuth,
  parseMultipart,
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
  type Reply,
} from './fake-server';

/**
 * A strict stand-in for Everypixel's `quality_ugc`, enforcing vendor-docs/001_758aab2853149074.txt:
 *
 * - Only `/v1/quality_ugc` (else 404); HTTP Basic auth with the client id and secret (else 401).
 * - `POST` multipart/form-data with the image file in the field `data` (a missing field or another
 *   content type → 400); `GET` needs `?url=` (→ 400 without it). Other methods → 405.
 * - JPG or PNG only, judged by the file's bytes (→ 415), more than 20 KB (→ 400) and less than
 *   10 MB (→ 413).
 * - Quota: when the credits run out, 429 with a "quota exhausted" message and no Retry-After.
 * - Answers `{"quality": {"score": 0..1, "class": 1..5}, "status": "ok"}`; errors
 *   `{"status": "error", "message": "…"}` (the error shape is an assumption, see the adapter).
 */
export interface EverypixelFakeOptions {
  clientId: string;
  clientSecret: string;
  /** The score every image gets, 0–1. */
  score?: number;
  /** Requests left before the quota answer; unlimited when absent. */
  credits?: number;
}

export interface EverypixelFake {
  server: FakeServer;
  url: string;
  setCredits(credits: number | undefined): void;
  /** Recorded requests to `/v1/quality_ugc`. */
  scoringCalls(): RecordedRequest[];
  close(): Promise<void>;
}

export const MIN_BYTES = 20 * 1024;
export const MAX_BYTES = 10 * 1024 * 1024;
const LIMITS = 'JPG and PNG more than 20 Kb and less 10 Mb';

const error = (status: number, message: string): Reply => ({ status, body: { status: 'error', message } });

/** JPEG or PNG by their signatures; anything else is refused whatever its name or type says. */
const isJpegOrPng = (bytes: Uint8Array): boolean => {
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const png = Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return jpeg || png;
};

/** The model's five classes follow the documented bands of 20 %. */
export const classFor = (score: number): number => Math.min(5, Math.floor(score * 5) + 1);

export async function startEverypixelFake(options: EverypixelFakeOptions): Promise<EverypixelFake> {
  let credits = options.credits;
  const score = options.score ?? 0.5947988033294678;

  const answer = (): Reply => {
    if (credits !== undefined) {
      if (credits <= 0) return error(429, 'Requests quota exhausted for this account');
      credits -= 1;
    }
    return { status: 200, body: { quality: { score, class: classFor(score) }, status: 'ok' } };
  };

  const upload = async (req: RecordedRequest): Promise<Reply> => {
    let form: FormData;
    try {
      form = await parseMultipart(req);
    } catch (problem) {
      return error(
        400,
        `Image should be uploaded with multipart form by parameter 'data' (${(problem as Error).message})`,
      );
    }
    const file = form.get('data');
    if (!(file instanceof Blob)) return error(400, "Parameter 'data' is required and must be a file");
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!isJpegOrPng(bytes)) return error(415, `Unsupported image format: ${LIMITS}`);
    if (bytes.length < MIN_BYTES) return error(400, `Image is too small: ${LIMITS}`);
    if (bytes.length > MAX_BYTES) return error(413, `Image is too large: ${LIMITS}`);
    return answer();
  };

  const server = await startFakeServer(async (req) => {
    if (req.path !== '/v1/quality_ugc') return error(404, 'Not found');
    const credentials = basicAuth(req);
    if (credentials?.user !== options.clientId || credentials.password !== options.clientSecret) {
      return error(401, 'Authentication credentials were not provided or are incorrect');
    }
    if (req.method === 'GET') return req.query.get('url') ? answer() : error(400, "Parameter 'url' is required");
    if (req.method !== 'POST') return error(405, 'Method not allowed');
    return upload(req);
  });

  return {
    server,
    url: server.url,
    setCredits: (value) => void (credits = value),
    scoringCalls: () => server.requests.filter((req) => req.path === '/v1/quality_ugc'),
    close: () => server.close(),
  };
}
