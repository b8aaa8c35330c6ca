import type { Core } from '@strapi/strapi';
import { z } from 'zod';
import { UIDS } from '../content-types';
import { upsertRow } from './db-upsert';
import type { VendorVerdict } from '../vendor-http/types';

/** Expired verdicts are deleted at most this often (or once per lifetime, if shorter), by whichever process writes one. */
const PURGE_EVERY_MS = 60 * 60 * 1000;

// Rows are ours, but a hand-edited or older row must read as a miss, not break an upload.
const storedVerdict = z.looseObject({ score: z.number().nullable(), raw: z.unknown() });

/**
 * Vendor verdicts by image hash, in the database: the same image is not paid for twice within the
 * cache's lifetime, whichever Strapi process on this database scored it first, restarts included.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = () => strapi.db.query(UIDS.verdict);
  let lastPurge = 0;

  const purgeExpired = async (now = new Date()): Promise<number> => {
    lastPurge = now.getTime();
    const { count } = await rows().deleteMany({ where: { expiresAt: { $lte: now } } });
    return count;
  };

  return {
    async get(vendor: string, hash: string): Promise<VendorVerdict | undefined> {
      const row = (await rows().findOne({
        select: ['verdict'],
        where: { vendor, hash, expiresAt: { $gt: new Date() } },
      })) as { verdict: unknown } | null;
      const verdict = storedVerdict.safeParse(row?.verdict);
      return verdict.success ? (verdict.data as VendorVerdict) : undefined;
    },

    async set(vendor: string, hash: string, verdict: VendorVerdict, ttlMs: number): Promise<void> {
      const now = new Date();
      await upsertRow(strapi, UIDS.verdict, { vendor, hash }, { verdict, expiresAt: new Date(now.getTime() + ttlMs) });
      if (now.getTime() - lastPurge >= Math.min(PURGE_EVERY_MS, ttlMs)) await purgeExpired(now);
    },

    purgeExpired,
  };
};
