import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { UIDS } from '../content-types';
import { upsertRow } from './db-upsert';

const event = z.object({ at: z.string(), message: z.string() });
const failure = event.extend({ kind: z.string() });

export type VendorEvent = z.infer<typeof event>;
export type VendorFailureEvent = z.infer<typeof failure>;

export interface VendorRecord {
  suspended: { until: string; reason: string } | null;
  lastError: VendorFailureEvent | null;
  lastSkip: VendorEvent | null;
}

const storedRow = z.object({
  suspendedUntil: z.union([z.date(), z.string(), z.number()]).nullish(),
  suspensionReason: z.string().nullish(),
  lastError: failure.nullish().catch(null),
  lastSkip: event.nullish().catch(null),
});

/**
 * A vendor's quota suspension, last error and last skip, in the database: a restart does not
 * forget that a vendor's quota is spent, and every process on the database honours it.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const write = (vendor: string, data: Record<string, unknown>) => upsertRow(strapi, UIDS.state, { vendor }, data);

  return {
    async read(vendor: string, now = Date.now()): Promise<VendorRecord> {
      const parsed = storedRow.safeParse((await strapi.db.query(UIDS.state).findOne({ where: { vendor } })) ?? {});
      const row = parsed.success ? parsed.data : { suspendedUntil: null, suspensionReason: null };
      const until = row.suspendedUntil == null ? null : new Date(row.suspendedUntil);
      return {
        suspended:
          until && until.getTime() > now
            ? { until: until.toISOString(), reason: row.suspensionReason ?? 'quota spent' }
            : null,
        lastError: row.lastError ?? null,
        lastSkip: row.lastSkip ?? null,
      };
    },

    suspend: (vendor: string, until: Date, reason: string) =>
      write(vendor, { suspendedUntil: until, suspensionReason: reason }),

    resume: (vendor: string) => write(vendor, { suspendedUntil: null, suspensionReason: null }),

    recordError: (vendor: string, error: VendorFailureEvent) => write(vendor, { lastError: error }),

    recordSkip: (vendor: string, skip: VendorEvent) => write(vendor, { lastSkip: skip }),
  };
};
