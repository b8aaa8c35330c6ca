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

/** Knex, as Strapi's database exposes it: the pool, or a transaction. */
type Runner = Core.Strapi['db']['connection'];

const dayOf = (now: Date) => now.toISOString().slice(0, 10);
const monthOf = (now: Date) => now.toISOString().slice(0, 7);

/** A reservation refused by one period's limit: thrown inside the transaction, so it rolls back. */
class OverBudget extends Error {
  constructor(
    readonly period: 'daily' | 'monthly',
    readonly limit: number,
  ) {
    super(`${period} budget spent`);
  }
}

/**
 * Which period's limit `requests` more would pass, if any: a preview for admins. Reservations do
 * not call it, they test the same rule inside one conditional UPDATE so that it holds under races.
 */
export function periodOverBudget(
  use: BudgetUse,
  requests: number,
  limits: BudgetLimits,
): 'daily' | 'monthly' | undefined {
  if (limits.perDay !== undefined && use.usedToday + requests > limits.perDay) return 'daily';
  if (limits.perMonth !== undefined && use.usedThisMonth + requests > limits.perMonth) return 'monthly';
  return undefined;
}

/**
 * Paid requests per vendor and UTC day and month, counted in the database so that restarts and
 * every Strapi process on it share one count. A reservation is one conditional
 * `UPDATE … SET used = used + n WHERE used + n <= limit` on the day's row and another on the
 * month's, in one transaction: atomic, so concurrent uploads can neither lose a count nor
 * together overshoot a limit.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** The usage table, in the connection's schema (PostgreSQL), on `runner`: the pool or a transaction. */
  const table = (runner: Runner = strapi.db.connection) => {
    const query = runner(strapi.db.metadata.get(UIDS.usage).tableName);
    const schema = strapi.db.getSchemaName();
    return schema ? query.withSchema(schema) : query;
  };

  /** Adds `requests` to one period's row, only if that keeps it within `limit`; false when it would not. */
  const add = async (runner: Runner, vendor: string, period: string, requests: number, limit?: number) => {
    const row = table(runner).where({ vendor, period });
    if (limit !== undefined) row.andWhere('used', '<=', limit - requests);
    return (await row.increment('used', requests)) > 0;
  };

  /** Adds to the day's and the month's rows together, or to neither. */
  const addToBoth = (vendor: string, now: Date, requests: number, limits: BudgetLimits = {}) =>
    strapi.db.connection.transaction(async (trx) => {
      if (!(await add(trx, vendor, dayOf(now), requests, limits.perDay)))
        throw new OverBudget('daily', limits.perDay ?? 0);
      if (!(await add(trx, vendor, monthOf(now), requests, limits.perMonth)))
        throw new OverBudget('monthly', limits.perMonth ?? 0);
    });

  // Rows are never deleted, so once this process has made sure a period's rows exist, they do.
  const periodsWithRows = new Set<string>();
  const ensureRows = async (vendor: string, now: Date) => {
    const key = `${vendor} ${dayOf(now)}`;
    if (periodsWithRows.has(key)) return;
    await table()
      .insert([dayOf(now), monthOf(now)].map((period) => ({ vendor, period, used: 0 })))
      .onConflict(['vendor', 'period'])
      .ignore();
    periodsWithRows.add(key);
  };

  const used = async (vendor: string, now = new Date()): Promise<BudgetUse> => {
    const rows = (await table()
      .select('period', 'used')
      .where({ vendor })
      .whereIn('period', [dayOf(now), monthOf(now)])) as Array<{ period: string; used: number | string }>;
    const of = (period: string) => Number(rows.find((row) => row.period === period)?.used ?? 0);
    return { usedToday: of(dayOf(now)), usedThisMonth: of(monthOf(now)) };
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
      await ensureRows(vendor, now);
      try {
        await addToBoth(vendor, now, requests, limits);
        return undefined;
      } catch (error) {
        if (!(error instanceof OverBudget)) throw error;
        const use = await used(vendor, now);
        const spent = error.period === 'daily' ? use.usedToday : use.usedThisMonth;
        return `${error.period} budget spent: ${spent} of ${error.limit} requests used, an image takes ${requests}`;
      }
    },

    /** Gives back a reservation whose requests were never sent. */
    async refund(vendor: string, requests: number, reservedAt: Date): Promise<void> {
      await addToBoth(vendor, reservedAt, -requests);
    },
  };
};
