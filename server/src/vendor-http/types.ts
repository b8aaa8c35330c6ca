import type { FormData } from 'undici';
import type { z } from 'zod';

/** The upload, re-encoded once for one vendor's needs (see prepare/for-vendor.ts). */
export interface VendorImage {
  bytes: Buffer;
  format: 'jpeg' | 'png' | 'webp';
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  /** File extension without the dot, as vendors ask for it: jpg, png, webp. */
  ext: 'jpg' | 'png' | 'webp';
  width: number;
  height: number;
  /** sha256 of the original upload's bytes: the cache key. */
  sha256: string;
}

/** What a vendor accepts; the preparation step meets it or refuses with a clear reason. */
export interface VendorImageSpec {
  formats: ReadonlyArray<VendorImage['format']>;
  /** Downscale so the longer side is at most this. */
  maxLongSide: number;
  /** …but never below this on the shorter side (when the original allows). */
  minShortSide?: number;
  minBytes?: number;
  maxBytes: number;
}

export interface VendorTag {
  name: string;
  /** 0–100 */
  confidence: number;
}

export interface VendorModeration {
  /** The vendor's verdict, normalised: safe, suggestive or nsfw. */
  level: 'safe' | 'suggestive' | 'nsfw';
  /** 0–100: how sure the vendor is that the image is NOT safe. */
  confidence: number;
  label: string;
}

export interface VendorColour {
  hex: string;
  /** 0–100 share of the image */
  percent: number;
  name?: string;
}

/** One vendor's verdict on one image, normalised; `raw` keeps the validated answer as sent. */
export interface VendorVerdict {
  /** 0–100, or null for vendors that give no quality score (Imagga). */
  score: number | null;
  dimensions?: Record<string, number>;
  tags?: VendorTag[];
  colours?: VendorColour[];
  moderation?: VendorModeration;
  faces?: number;
  raw: unknown;
}

export interface VendorRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the vendor's base URL, or absolute (signed OSS URLs). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer | FormData;
}

export interface VendorResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface VendorHttp {
  /** One attempt; a non-2xx answer throws a VendorError classified by status. */
  send(request: VendorRequest, signal: AbortSignal): Promise<VendorResponse>;
  /** Parses and validates a JSON answer; garbage is an `invalid-response` VendorError. */
  json<T>(response: VendorResponse, schema: z.ZodType<T>): T;
}

export interface VendorScorer {
  id: string;
  image: VendorImageSpec;
  /**
   * Requests one `score()` makes that the vendor bills (its document says which): what a scored
   * image costs against the budgets. Token exchanges, staging uploads, deletes and usage queries
   * are not billed; retries of a request the vendor refused with 429 or 5xx are not counted again.
   */
  billedRequests: number;
  score(image: VendorImage, signal: AbortSignal): Promise<VendorVerdict>;
  /** Vendor-reported usage, where the vendor has an endpoint for it. */
  usage?(signal: AbortSignal): Promise<unknown>;
}
