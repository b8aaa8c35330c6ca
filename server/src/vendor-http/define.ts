import { z } from 'zod';
import { createVendorHttp } from './client';
import type { VendorFailure } from './errors';
import { createLimiter } from './limiter';
import { withRetries } from './retry';
import type { VendorHttp, VendorImageSpec, VendorRequest, VendorResponse, VendorScorer } from './types';

/** Options every vendor has; each adapter adds its base URL default and its credentials. */
export const commonVendorOptions = {
  enabled: z.boolean().default(false),
  /** Weight in the `weighted` strategy. */
  weight: z.number().positive().default(1),
  /**
   * Per HTTP attempt. With the default 2 retries, three attempts and their backoff fit in the
   * default 20 s upload deadline (`deadlineMs`), so the last attempt is never cut short.
   */
  timeoutMs: z.number().int().positive().default(6_000),
  /** Attempts after the first, for network errors, timeouts, 429 and 5xx. */
  retries: z.number().int().min(0).max(5).default(2),
  /** Calls in flight at once. */
  concurrency: z.number().int().positive().default(4),
  /** Calls started per second; unset = no limit. */
  ratePerSecond: z.number().positive().optional(),
};

export type CommonVendorOptions = {
  enabled: boolean;
  weight: number;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  ratePerSecond?: number;
  baseUrl: string;
};

export interface VendorTools {
  http: VendorHttp;
  /** `http.send` behind the vendor's concurrency and rate limits, retried per the retry policy. */
  call(request: VendorRequest, signal: AbortSignal): Promise<VendorResponse>;
  /** Adds a value (a session token) to what error messages must never show. */
  addSecret(value: string): void;
}

export interface VendorDefinition<C extends CommonVendorOptions> {
  id: string;
  /** `enrichment`: tags, colours and moderation but no quality score, run beside the score chain. Default `score`. */
  role?: 'score' | 'enrichment';
  /** Zod schema of this vendor's config, including `commonVendorOptions`. */
  configSchema: z.ZodType<C>;
  /** Keys of the config whose values are secrets. */
  secretKeys: ReadonlyArray<keyof C & string>;
  image: VendorImageSpec;
  /** The vendor's own reading of an HTTP status, where its document departs from the usual one. */
  classify?: (status: number, body: string) => VendorFailure | undefined;
  create(config: C, tools: VendorTools): VendorScorer;
}

export const defineVendor = <C extends CommonVendorOptions>(definition: VendorDefinition<C>) => definition;

/** Builds a ready scorer from a validated config. */
export function instantiateVendor<C extends CommonVendorOptions>(
  definition: VendorDefinition<C>,
  config: C,
): VendorScorer {
  const secrets = new Set(definition.secretKeys.map((key) => String(config[key] ?? '')).filter(Boolean));
  const http = createVendorHttp({
    vendor: definition.id,
    baseUrl: config.baseUrl,
    timeoutMs: config.timeoutMs,
    secrets: () => [...secrets],
    classify: definition.classify,
  });
  const limit = createLimiter({
    vendor: definition.id,
    concurrency: config.concurrency,
    perSecond: config.ratePerSecond,
  });
  const tools: VendorTools = {
    http,
    call: (request, signal) => withRetries(() => limit(() => http.send(request, signal), signal), signal, config),
    addSecret: (value) => void secrets.add(value),
  };
  return definition.create(config, tools);
}
