/**
 * Imagga API v2, https://api.imagga.com/v2 (vendor-docs/003). It gives no quality score
 * (`score: null`); it contributes tags, moderation and colours.
 *
 * Contract:
 * - HTTP Basic auth, api key as user and api secret as password, on every request.
 * - `/tags` (`threshold` query parameter: tags below it are not returned; the API never returns
 *   tags under 7), `/categories/nsfw_beta` (categories safe / underwear / nsfw),
 *   `/categories/personal_photos`, `/colors` (`image_colors` with html_code, percent and the
 *   closest palette colour's name), `/usage`. Every answer is `{result, status: {type, text}}`.
 * - Images reach these endpoints either as a multipart `image` on a POST, or through `/uploads`:
 *   POST the file once (multipart `image`) → `upload_id`, pass it as `image_upload_id` to each
 *   GET, and `DELETE /uploads/<upload_id>` afterwards.
 * - Errors: `{"status": {"type": "error", "text": …}}` with 400, 401 (authorisation), 403 ("you
 *   have reached one of your subscription limits"), 404, 405, 406, 410, 429 (concurrency limit
 *   reached: "wait a second and retry"), 500, 503.
 *
 * Choices and assumptions:
 * - With two or more features the image is uploaded once and referenced by id: it crosses the
 *   network once instead of once per endpoint (the document presents /uploads for exactly this,
 *   and says the id is accepted by the tagging, categorisation and colour endpoints). The upload
 *   is deleted once every feature has answered, even if one failed or the upload's deadline passed,
 *   so no copy is left with the vendor. With a single feature, a direct multipart POST is one
 *   request instead of three.
 * - The features run concurrently; if any fails, the verdict fails with that feature's error
 *   (a partial verdict would hide a quota or auth problem from the pipeline).
 * - 403 is read as quota when its text speaks of a limit, quota, subscription or plan (the
 *   document gives 403 to subscription limits); any other 403 stays an auth failure.
 * - A 2xx answer whose `status.type` is not "success" is a rejection of the image.
 * - Tags: `tagThreshold` is sent as `threshold` and applied again locally (it is also the floor
 *   for the personal_photos category, whose best category is added to the tags).
 * - Moderation: the top nsfw_beta category gives the level (safe → safe, underwear → suggestive,
 *   nsfw → nsfw); confidence that it is not safe = 100 − the `safe` category's confidence.
 * - Colours: `image_colors` (the overall palette), name = the closest palette colour.
 * - Size: the document states no upload limit; 10 MB is assumed (images are downscaled to 1024 px
 *   on the long side anyway, never below the 300 px short side Imagga recommends).
 * - usage(): the `/usage` result, summarised as used = monthly_processed of monthly_limit.
 */
import { FormData } from 'undici';
import { z } from 'zod';
import { commonVendorOptions, defineVendor, type VendorTools } from '../../vendor-http/define';
import { VendorError, type VendorFailure } from '../../vendor-http/errors';
import type {
  VendorColour,
  VendorImage,
  VendorModeration,
  VendorRequest,
  VendorScorer,
  VendorTag,
  VendorVerdict,
} from '../../vendor-http/types';

const VENDOR_ID = 'imagga';

export const IMAGGA_FEATURES = ['tags', 'nsfw', 'personal_photos', 'colors'] as const;
export type ImaggaFeature = (typeof IMAGGA_FEATURES)[number];

const configSchema = z.object({
  ...commonVendorOptions,
  baseUrl: z.string().url().default('https://api.imagga.com/v2'),
  apiKey: z.string().min(1),
  apiSecret: z.string().min(1),
  /** Tags (and the personal_photos category) under this confidence, 0–100, are dropped. Imagga advises 15–30. */
  tagThreshold: z.number().min(0).max(100).default(20),
  /** Which endpoints run for each image. */
  features: z
    .array(z.enum(IMAGGA_FEATURES))
    .min(1)
    .default([...IMAGGA_FEATURES])
    .transform((features) => [...new Set(features)]),
});

export type ImaggaConfig = z.infer<typeof configSchema>;

const status = z.looseObject({ type: z.string(), text: z.string().nullish() });
const envelope = z.looseObject({ status });
const answerOf = <T extends z.ZodType>(result: T) => z.looseObject({ result, status });

const localised = z.looseObject({ en: z.string().min(1) });
const confidence = z.number().min(0).max(100);

const tagsResult = z.looseObject({ tags: z.array(z.looseObject({ confidence, tag: localised })) });
const categoriesResult = z.looseObject({ categories: z.array(z.looseObject({ confidence, name: localised })) });
const colour = z.looseObject({
  html_code: z.string().regex(/^#[0-9a-f]{6}$/i),
  percent: z.number().min(0).max(100),
  closest_palette_color: z.string().nullish(),
  closest_palette_color_parent: z.string().nullish(),
});
const coloursResult = z.looseObject({ colors: z.looseObject({ image_colors: z.array(colour) }) });
const uploadResult = z.looseObject({ upload_id: z.string().min(1) });
const usageResult = z.looseObject({
  monthly_limit: z.number().min(0),
  monthly_processed: z.number().min(0),
  monthly_requests: z.number().min(0).optional(),
  billing_period_start: z.string().optional(),
  billing_period_end: z.string().optional(),
});

export type ImaggaTags = z.infer<typeof tagsResult>;
export type ImaggaCategories = z.infer<typeof categoriesResult>;
export type ImaggaColours = z.infer<typeof coloursResult>;
export type ImaggaUsageResult = z.infer<typeof usageResult>;

export interface ImaggaRaw {
  tags?: ImaggaTags;
  nsfw?: ImaggaCategories;
  personal_photos?: ImaggaCategories;
  colors?: ImaggaColours;
}

export interface ImaggaUsage {
  used: number;
  limit: number;
  remaining: number;
  raw: ImaggaUsageResult;
}

export interface ImaggaScorer extends VendorScorer {
  usage(signal: AbortSignal): Promise<ImaggaUsage>;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

const ENDPOINT_PATHS: Record<ImaggaFeature, string> = {
  tags: '/tags',
  nsfw: '/categories/nsfw_beta',
  personal_photos: '/categories/personal_photos',
  colors: '/colors',
};

/** The image itself, or the id of its copy on /uploads. */
type ImageSource = VendorImage | { uploadId: string };

export function tagsFrom(result: ImaggaTags, threshold: number): VendorTag[] {
  return result.tags
    .filter((tag) => tag.confidence >= threshold)
    .map((tag) => ({ name: tag.tag.en, confidence: round1(tag.confidence) }));
}

const NSFW_LEVEL: Record<string, VendorModeration['level']> = { safe: 'safe', underwear: 'suggestive', nsfw: 'nsfw' };

const topCategory = (result: ImaggaCategories) =>
  result.categories.reduce<ImaggaCategories['categories'][number] | undefined>(
    (best, category) => (best === undefined || category.confidence > best.confidence ? category : best),
    undefined,
  );

export function moderationFrom(result: ImaggaCategories): VendorModeration | undefined {
  const top = topCategory(result);
  const level = top ? NSFW_LEVEL[top.name.en] : undefined;
  if (!top || !level) return undefined;
  const safe = result.categories.find((category) => category.name.en === 'safe');
  const notSafe = safe
    ? 100 - safe.confidence
    : result.categories
        .filter((category) => category.name.en !== 'safe')
        .reduce((sum, category) => sum + category.confidence, 0);
  return { level, confidence: round1(Math.min(100, Math.max(0, notSafe))), label: top.name.en };
}

export function personalPhotoTag(result: ImaggaCategories, threshold: number): VendorTag | undefined {
  const top = topCategory(result);
  return top && top.confidence >= threshold ? { name: top.name.en, confidence: round1(top.confidence) } : undefined;
}

export function coloursFrom(result: ImaggaColours): VendorColour[] {
  return result.colors.image_colors.map((colour) => ({
    hex: colour.html_code.toLowerCase(),
    percent: round1(colour.percent),
    ...(colour.closest_palette_color ? { name: colour.closest_palette_color } : {}),
  }));
}

export function verdictFrom(raw: ImaggaRaw, threshold: number): VendorVerdict {
  const tags = raw.tags ? tagsFrom(raw.tags, threshold) : [];
  const category = raw.personal_photos ? personalPhotoTag(raw.personal_photos, threshold) : undefined;
  if (category && !tags.some((tag) => tag.name === category.name)) tags.push(category);
  const moderation = raw.nsfw ? moderationFrom(raw.nsfw) : undefined;
  return {
    score: null,
    ...(raw.tags || raw.personal_photos ? { tags } : {}),
    ...(moderation ? { moderation } : {}),
    ...(raw.colors ? { colours: coloursFrom(raw.colors) } : {}),
    raw,
  };
}

const LIMIT_WORDS = /limit|quota|subscription|plan/i;

/** Imagga's `status.text`, or the body as is. */
const errorTextOf = (body: string): string => {
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      parsed &&
      typeof parsed === 'object' &&
      'status' in parsed &&
      parsed.status &&
      typeof parsed.status === 'object' &&
      'text' in parsed.status
    ) {
      return String(parsed.status.text);
    }
  } catch {
    // not JSON: the text itself is the reason
  }
  return body;
};

export function classifyImagga(statusCode: number, body: string): VendorFailure | undefined {
  if (statusCode === 403 && LIMIT_WORDS.test(errorTextOf(body))) return 'quota';
  return undefined;
}

// This message is built here rather than by the HTTP client, so it is redacted here too.
const withoutCredentials = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.filter((secret) => secret.length >= 4).reduce((out, secret) => out.split(secret).join('[redacted]'), text);

const imageForm = (image: VendorImage): FormData => {
  const form = new FormData();
  form.append('image', new Blob([image.bytes], { type: image.mime }), `upload.${image.ext}`);
  return form;
};

/** Settles every call, then fails with the first failure: nothing is left in flight when the upload is deleted. */
async function allOrFirstFailure<T>(calls: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
}

export function createImaggaScorer(config: ImaggaConfig, tools: VendorTools): ImaggaScorer {
  const credentials = Buffer.from(`${config.apiKey}:${config.apiSecret}`).toString('base64');
  const authorization = `Basic ${credentials}`;
  // The encoded pair is as good as the secret itself.
  tools.addSecret(credentials);

  const call = async <T>(request: VendorRequest, schema: z.ZodType<T>, signal: AbortSignal): Promise<T> => {
    // Imagga answers 406 to clients that do not accept JSON.
    const response = await tools.call(
      { ...request, headers: { ...request.headers, accept: 'application/json', authorization } },
      signal,
    );
    // The status first: an error answer carries no result worth validating.
    const outcome = tools.http.json(response, envelope).status;
    if (outcome.type !== 'success') {
      const reason = withoutCredentials(outcome.text ?? '', [config.apiKey, config.apiSecret]);
      throw new VendorError(
        VENDOR_ID,
        'rejected',
        `answered ${response.status} with status ${outcome.type}: ${reason}`,
      );
    }
    return tools.http.json(response, answerOf(schema)).result;
  };

  /** Query parameters a feature needs beyond the image. */
  const optionsFor = (feature: ImaggaFeature): Record<string, string> =>
    feature === 'tags' ? { threshold: String(config.tagThreshold) } : {};

  /** The request for one feature: by upload id (GET), or with the image itself (multipart POST). */
  const requestFor = (feature: ImaggaFeature, source: ImageSource): VendorRequest => {
    const path = ENDPOINT_PATHS[feature];
    return 'uploadId' in source
      ? { method: 'GET', path, query: { ...optionsFor(feature), image_upload_id: source.uploadId } }
      : { method: 'POST', path, query: optionsFor(feature), body: imageForm(source) };
  };

  const fetchFeature = async (feature: ImaggaFeature, source: ImageSource, signal: AbortSignal): Promise<ImaggaRaw> => {
    const request = requestFor(feature, source);
    switch (feature) {
      case 'tags':
        return { tags: await call(request, tagsResult, signal) };
      case 'nsfw':
        return { nsfw: await call(request, categoriesResult, signal) };
      case 'personal_photos':
        return { personal_photos: await call(request, categoriesResult, signal) };
      case 'colors':
        return { colors: await call(request, coloursResult, signal) };
    }
  };

  const deleteUpload = async (uploadId: string): Promise<void> => {
    // Its own deadline: the upload must go even when the scoring's deadline has passed.
    const cleanup = AbortSignal.timeout(config.timeoutMs * (config.retries + 1));
    await call({ method: 'DELETE', path: `/uploads/${encodeURIComponent(uploadId)}` }, z.unknown(), cleanup).catch(
      () => {
        // Best effort: an undeleted upload costs nothing billable and must not fail a finished verdict.
      },
    );
  };

  const answersFor = async (image: VendorImage, signal: AbortSignal): Promise<ImaggaRaw[]> => {
    if (config.features.length === 1)
      return allOrFirstFailure(config.features.map((feature) => fetchFeature(feature, image, signal)));
    const { upload_id: uploadId } = await call(
      { method: 'POST', path: '/uploads', body: imageForm(image) },
      uploadResult,
      signal,
    );
    try {
      return await allOrFirstFailure(config.features.map((feature) => fetchFeature(feature, { uploadId }, signal)));
    } finally {
      await deleteUpload(uploadId);
    }
  };

  return {
    id: VENDOR_ID,
    image: imaggaImageSpec,
    // Each feature's endpoint is billable (the document's "billable endpoints": tagging, categorisation,
    // colour extraction); /uploads, its DELETE and /usage are not.
    billedRequests: config.features.length,

    async score(image, signal) {
      const raw = (await answersFor(image, signal)).reduce<ImaggaRaw>((all, part) => ({ ...all, ...part }), {});
      return verdictFrom(raw, config.tagThreshold);
    },

    async usage(signal) {
      const result = await call({ method: 'GET', path: '/usage' }, usageResult, signal);
      return {
        used: result.monthly_processed,
        limit: result.monthly_limit,
        remaining: Math.max(0, result.monthly_limit - result.monthly_processed),
        raw: result,
      };
    },
  };
}

const imaggaImageSpec = {
  formats: ['jpeg', 'png'],
  maxLongSide: 1024,
  // "The API doesn't need more than 300px on the shortest side to provide you with the same great results."
  minShortSide: 300,
  maxBytes: 10 * 1024 * 1024,
} as const satisfies VendorScorer['image'];

export const imagga = defineVendor({
  id: VENDOR_ID,
  role: 'enrichment',
  configSchema,
  secretKeys: ['apiKey', 'apiSecret'],
  image: imaggaImageSpec,
  classify: classifyImagga,
  create: createImaggaScorer,
});
