/**
 * A strict stand-in for Imagga API v2 (vendor-docs/003), served under /v2 like the real one.
 * It enforces: HTTP Basic auth with the right api key and secret (401); the documented paths and
 * methods (404, 405); JSON only (406 when the Accept header excludes it); the image either as a
 * multipart `image` on POST or as an `image_upload_id` of a live upload on GET (400 when missing,
 * 404 when unknown or deleted); JPEG/PNG content and an assumed 10 MB cap (400); a numeric
 * `threshold` for /tags, never below Imagga's floor of 7; a monthly limit on billable calls
 * (403 "subscription limit"). Errors come as `{"status": {"type": "error", "text": …}}`.
 */
import { randomBytes } from 'node:crypto';
import {
  basicAuth,
  parseMultipart,
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
  type Reply,
} from './fake-server';

export const IMAGGA_KEY = 'acc_fake_imagga_key';
export const IMAGGA_SECRET = 'imagga_very_secret_0123456789';
export const IMAGGA_MAX_BYTES = 10 * 1024 * 1024;

const success = (result: unknown): Reply => ({ status: 200, body: { result, status: { text: '', type: 'success' } } });
const failure = (status: number, text: string): Reply => ({ status, body: { status: { text, type: 'error' } } });

const tag = (confidence: number, en: string) => ({ confidence, tag: { en } });
const category = (confidence: number, en: string) => ({ confidence, name: { en } });

export const exampleTags = () => ({
  tags: [
    tag(61.3412, 'fashion'),
    tag(45.0211, 'portrait'),
    tag(28.4, 'model'),
    tag(21.7, 'studio'),
    tag(19.9, 'person'),
    tag(15.2, 'attractive'),
    tag(9.1, 'cute'),
    tag(7.3, 'pretty'),
  ],
});

export const safeNsfw = () => ({
  categories: [category(97.52, 'safe'), category(2.11, 'underwear'), category(0.37, 'nsfw')],
});
/** The document's example. */
export const underwearNsfw = () => ({
  categories: [category(87.03, 'underwear'), category(11.69, 'nsfw'), category(1.27, 'safe')],
});

export const examplePersonalPhotos = () => ({
  categories: [category(82.64, 'people portraits'), category(12.1, 'streetview architecture')],
});

const colour = (html: string, percent: number, name: string, parent: string) => ({
  r: parseInt(html.slice(1, 3), 16),
  g: parseInt(html.slice(3, 5), 16),
  b: parseInt(html.slice(5, 7), 16),
  html_code: html,
  percent,
  closest_palette_color: name,
  closest_palette_color_html_code: html,
  closest_palette_color_parent: parent,
  closest_palette_distance: 3.1,
});

export const exampleColours = () => ({
  colors: {
    background_colors: [colour('#8c5c2f', 48.0033950805664, 'light bronze', 'skin')],
    color_percent_threshold: 1.75,
    color_variance: 36,
    foreground_colors: [colour('#577d93', 52.3429222106934, 'larkspur', 'blue')],
    image_colors: [
      colour('#547992', 48.3686981201172, 'cerulean', 'blue'),
      colour('#83562E', 47.9353446960449, 'light bronze', 'skin'),
      colour('#1f1b2e', 3.60131478309631, 'navy blue', 'navy blue'),
    ],
    object_percentage: 20.790994644165,
  },
});

export interface ImaggaFake extends FakeServer {
  baseUrl: string;
  state: {
    tags: unknown;
    nsfw: unknown;
    personalPhotos: unknown;
    colours: unknown;
    monthlyLimit: number;
    monthlyProcessed: number;
    /** Live uploads by id. */
    uploads: Map<string, Buffer>;
    /** Every upload ever made, by id. */
    uploaded: string[];
  };
}

const isJpegOrPng = (bytes: Buffer) =>
  (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) ||
  bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));

export async function startImaggaServer(): Promise<ImaggaFake> {
  const state: ImaggaFake['state'] = {
    tags: exampleTags(),
    nsfw: safeNsfw(),
    personalPhotos: examplePersonalPhotos(),
    colours: exampleColours(),
    monthlyLimit: 2000,
    monthlyProcessed: 0,
    uploads: new Map(),
    uploaded: [],
  };

  /** The image of a POST (multipart `image`), or a reply explaining why there is none. */
  const postedImage = async (req: RecordedRequest): Promise<Buffer | Reply> => {
    let form: FormData;
    try {
      form = await parseMultipart(req);
    } catch (error) {
      return failure(400, `Bad request: ${(error as Error).message}`);
    }
    const file = form.get('image');
    if (!(file instanceof Blob)) return failure(400, 'Missing image, image_base64 or image_url parameter.');
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length > IMAGGA_MAX_BYTES) return failure(400, 'The image is too large.');
    if (!isJpegOrPng(bytes)) return failure(400, 'Unsupported image format.');
    return bytes;
  };

  /** The image a billable endpoint is asked about, by upload id on GET or as a file on POST. */
  const imageFor = async (req: RecordedRequest): Promise<Buffer | Reply> => {
    if (req.method === 'POST') return postedImage(req);
    const id = req.query.get('image_upload_id');
    if (!id) return failure(400, 'Missing image_url or image_upload_id parameter.');
    return state.uploads.get(id) ?? failure(404, `Upload ${id} does not exist.`);
  };

  /** A billable endpoint: it needs an image, and refuses once the monthly limit is reached. */
  const billable =
    (answer: (req: RecordedRequest) => Reply) =>
    async (req: RecordedRequest): Promise<Reply> => {
      if (req.method !== 'GET' && req.method !== 'POST') return failure(405, 'Method not allowed.');
      const image = await imageFor(req);
      if (!Buffer.isBuffer(image)) return image;
      if (state.monthlyProcessed >= state.monthlyLimit) {
        return failure(403, 'You have reached the monthly limit of your subscription plan.');
      }
      return answer(req);
    };

  const tagsAnswer = (req: RecordedRequest): Reply => {
    const raw = req.query.get('threshold');
    const threshold = raw === null ? 0 : Number(raw);
    if (raw !== null && (raw.trim() === '' || !Number.isFinite(threshold)))
      return failure(400, 'threshold must be a number.');
    const floor = Math.max(7, threshold);
    const { tags } = state.tags as { tags: Array<{ confidence: number }> };
    state.monthlyProcessed += 1;
    return success({ ...(state.tags as object), tags: tags.filter((t) => t.confidence >= floor) });
  };

  const charge = (result: unknown): Reply => {
    state.monthlyProcessed += 1;
    return success(result);
  };

  const route = async (req: RecordedRequest): Promise<Reply> => {
    const path = req.path.replace(/^\/v2/, '');
    if (!req.path.startsWith('/v2/')) return failure(404, 'The endpoint does not exist.');
    if (path === '/tags') return billable(tagsAnswer)(req);
    if (path === '/categories/nsfw_beta') return billable(() => charge(state.nsfw))(req);
    if (path === '/categories/personal_photos') return billable(() => charge(state.personalPhotos))(req);
    if (path === '/colors') return billable(() => charge(state.colours))(req);
    if (path === '/uploads') {
      if (req.method !== 'POST') return failure(405, 'Method not allowed.');
      const image = await postedImage(req);
      if (!Buffer.isBuffer(image)) return image;
      const id = `i${randomBytes(15).toString('hex')}`;
      state.uploads.set(id, image);
      state.uploaded.push(id);
      return success({ upload_id: id });
    }
    const upload = /^\/uploads\/([^/]+)$/.exec(path);
    if (upload) {
      if (req.method !== 'DELETE') return failure(405, 'Method not allowed.');
      if (!state.uploads.delete(upload[1])) return failure(404, 'Upload not found.');
      return { status: 200, body: { status: { text: '', type: 'success' } } };
    }
    if (path === '/usage') {
      if (req.method !== 'GET') return failure(405, 'Method not allowed.');
      return success({
        billing_period_end: '18 of Nov, 2026',
        billing_period_start: '18 of Oct, 2026',
        daily_processed: state.monthlyProcessed,
        monthly_limit: state.monthlyLimit,
        monthly_processed: state.monthlyProcessed,
        monthly_requests: state.monthlyProcessed,
      });
    }
    return failure(404, 'The endpoint does not exist.');
  };

  const server = await startFakeServer(async (req) => {
    const credentials = basicAuth(req);
    if (!credentials || credentials.user !== IMAGGA_KEY || credentials.password !== IMAGGA_SECRET) {
      return failure(401, 'Unauthorized: check your api key and secret.');
    }
    const accept = String(req.headers.accept ?? '*/*');
    if (!/application\/json|\*\/\*/.test(accept)) return failure(406, 'Only JSON is served.');
    return route(req);
  });

  return { ...server, baseUrl: `${server.url}/v2`, state };
}
