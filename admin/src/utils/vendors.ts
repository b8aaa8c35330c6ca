/**
 * The vendors' state as served by `GET /photo-score/vendors[?usage=true]` and
 * `POST /photo-score/vendors/:id/resume`. Pure functions: no React, no Strapi imports.
 */

export interface VendorEvent {
  at: string;
  message: string;
  kind?: string;
}

export interface VendorState {
  id: string;
  enabled: boolean;
  /** 1-based place in the scorer chain, or null when configured but not in it. */
  position: number | null;
  role: 'score' | 'enrichment';
  weight: number;
  /** Why the next upload would skip this vendor, or null. */
  skipped: string | null;
  breaker: { open: boolean; consecutiveFailures: number; reopensAt: string | null };
  budget: {
    perDay: number | null;
    perMonth: number | null;
    usedToday: number;
    usedThisMonth: number;
    billedRequestsPerImage: number;
  };
  suspended: { until: string; reason: string } | null;
  lastError: VendorEvent | null;
  lastSkip: VendorEvent | null;
  /** What the vendor itself reports, when asked (`usage=true`) and it can tell. */
  usage: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const num = (value: unknown, fallback = 0): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

const numOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const event = (value: unknown): VendorEvent | null => {
  if (!isRecord(value) || typeof value.at !== 'string' || typeof value.message !== 'string') return null;
  return { at: value.at, message: value.message, ...(typeof value.kind === 'string' ? { kind: value.kind } : {}) };
};

export const parseVendor = (value: unknown): VendorState | null => {
  if (!isRecord(value) || typeof value.id !== 'string') return null;
  const breaker = isRecord(value.breaker) ? value.breaker : {};
  const budget = isRecord(value.budget) ? value.budget : {};
  const suspended = isRecord(value.suspended) ? value.suspended : null;
  return {
    id: value.id,
    enabled: value.enabled === true,
    position: numOrNull(value.position),
    role: value.role === 'enrichment' ? 'enrichment' : 'score',
    weight: num(value.weight, 1),
    skipped: str(value.skipped),
    breaker: {
      open: breaker.open === true,
      consecutiveFailures: num(breaker.consecutiveFailures),
      reopensAt: str(breaker.reopensAt),
    },
    budget: {
      perDay: numOrNull(budget.perDay),
      perMonth: numOrNull(budget.perMonth),
      usedToday: num(budget.usedToday),
      usedThisMonth: num(budget.usedThisMonth),
      billedRequestsPerImage: num(budget.billedRequestsPerImage, 1),
    },
    suspended:
      suspended && typeof suspended.until === 'string'
        ? { until: suspended.until, reason: str(suspended.reason) ?? '' }
        : null,
    lastError: event(value.lastError),
    lastSkip: event(value.lastSkip),
    usage: value.usage ?? null,
  };
};

/** `{ data: [...] }` → the vendors that could be read. */
export const parseVendorsResponse = (body: unknown): VendorState[] => {
  const data = isRecord(body) && Array.isArray(body.data) ? body.data : [];
  return data.map(parseVendor).filter((vendor): vendor is VendorState => vendor !== null);
};

/** `{ data: {...} }` → the one vendor, or null. */
export const parseVendorResponse = (body: unknown): VendorState | null =>
  isRecord(body) ? parseVendor(body.data) : null;

/** "12 of 100" or "12 (no limit)". */
export const formatUse = (used: number, limit: number | null, noLimit: string): string =>
  limit === null ? `${used} (${noLimit})` : `${used} of ${limit}`;

/**
 * The vendor's own usage report in one line: `used of limit (remaining left)` when it has those
 * numbers (AI Image Rating, Imagga), its error when asking failed.
 */
export const formatVendorUsage = (usage: unknown): string | null => {
  if (!isRecord(usage)) return null;
  if (typeof usage.error === 'string') return usage.error;
  const used = numOrNull(usage.used);
  const limit = numOrNull(usage.limit);
  if (used === null) return null;
  const remaining = numOrNull(usage.remaining);
  return `${used}${limit === null ? '' : ` of ${limit}`}${remaining === null ? '' : ` (${remaining} left)`}`;
};

/** Whether there is anything for Resume to do: a suspension, or an open breaker. */
export const canResume = (vendor: VendorState): boolean => vendor.suspended !== null || vendor.breaker.open;
