import type { Core } from '@strapi/strapi';
import { UIDS } from '../content-types';

export interface BudgetLimits {
  perDay?: number;
  perMonth?: number;
}

export interface BudgetUse {
  usedToday: number;
  usedThisMonth: number;
}

const dayOf = (now: Date) => now.toISOString().slice(0, 10);
const monthOf = (now: Date) => now.toISOString().slice(0, 7);

/**
 * Paid requests per vendor and UTC day and month, counted in the database so that restarts and
 * every Strapi process on it share one count. A reservation is one conditional
 * `UPDATE … SET used = used + n WHERE used + n <= limit`: atomic, so concurrent uploads can
 * neither lose a count nor together overshoot a limit.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const table = () => strapi.db.getConnection(strapi.db.metadata.get(UIDS.usage).tableName);

  /** Adds `requests` to one period's row, only if that keeps it within `limit`; false when it would not. */
  const add = async (vendor: string, period: string, requests: number, limit?: number): Promise<boolean> => {
    const row = table().where({ vendor, period });
    if (limit !== undefined) row.andWhere('used', '<=', limit - requests);
    return (await row.increment('used', requests)) > 0;
  };

  const used = async (vendor: string, now = new Date()): Promise<BudgetUse> => {
    const rows = (await table()
      .select('period', 'used')
      .where({ vendor })
      .whereIn('period', [dayOf(now), monthOf(now)])) as Array<{ period: string; used: number | string }>;
    const of = (period: string) => Number(rows.find((row) => row.period === period)?.used ?? 0);
    return { usedToday: of(dayOf(now)), usedThisMonth: of(monthOf(now)) };
  };

  const refusal = async (vendor: string, period: 'daily' | 'monthly', limit: number, requests: number, now: Date) => {
    const use = await used(vendor, now);
    const spent = period === 'daily' ? use.usedToday : use.usedThisMonth;
    return `${period} budget spent: ${spent} of ${limit} requests used, an image takes ${requests}`;
  };

  return {
    used,

    /**
     * Counts `requests` paid requests for this vendor now, or counts nothing and says why when that
     * would exceed the day's or the month's limit.
     */
    async reserve(
      vendor: string,
      requests: number,
      limits: BudgetLimits,
      now = new Date(),
    ): Promise<string | undefined> {
      const day = dayOf(now);
      const month = monthOf(now);
      await table()
        .insert([day, month].map((period) => ({ vendor, period, used: 0 })))
        .onConflict(['vendor', 'period'])
        .ignore();
      if (!(await add(vendor, day, requests, limits.perDay)))
        return refusal(vendor, 'daily', limits.perDay ?? 0, requests, now);
      if (!(await add(vendor, month, requests, limits.perMonth))) {
        await add(vendor, day, -requests);
        return refusal(vendor, 'monthly', limits.perMonth ?? 0, requests, now);
      }
      return undefined;
    },

    /** Gives back a reservation whose requests were never sent. */
    async refund(vendor: string, requests: number, reservedAt: Date): Promise<void> {
      await add(vendor, dayOf(reservedAt), -requests);
      await add(vendor, monthOf(reservedAt), -requests);
    },
  };
};
