/**
 * The log of refused uploads (content-types/refusal.ts): written by the upload hook, capped at
 * the newest REFUSAL_LOG_SIZE, read by the overview and `GET /photo-score/refusals`.
 */
import type { Core } from '@strapi/strapi';
import type { Pagination } from '../../../shared/contracts/common';
import type { Refusal } from '../../../shared/contracts/overview';
import { UIDS } from '../content-types';
import { REFUSAL_LOG_SIZE } from '../content-types/refusal';

export type NewRefusal = Omit<Refusal, 'id' | 'at'>;

interface RefusalRow extends Omit<Refusal, 'at' | 'reasons'> {
  reasons: Record<string, string> | null;
  refusedAt: string | Date;
}

const toRefusal = ({ refusedAt, reasons, ...row }: RefusalRow): Refusal => ({
  ...row,
  reasons: reasons ?? {},
  at: new Date(refusedAt).toISOString(),
});

const DAY_MS = 24 * 60 * 60 * 1000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const rows = () => strapi.db.query(UIDS.refusal);
  const newestFirst = [{ refusedAt: 'desc' as const }, { id: 'desc' as const }];

  return {
    /** Logs refusals and drops what falls beyond the newest REFUSAL_LOG_SIZE. */
    async log(refusals: NewRefusal[]): Promise<void> {
      if (refusals.length === 0) return;
      const refusedAt = new Date();
      for (const refusal of refusals) await rows().create({ data: { ...refusal, refusedAt } });
      const [oldestKept] = (await rows().findMany({
        orderBy: { id: 'desc' },
        offset: REFUSAL_LOG_SIZE - 1,
        limit: 1,
        select: ['id'],
      })) as Array<{ id: number }>;
      if (oldestKept) await rows().deleteMany({ where: { id: { $lt: oldestKept.id } } });
    },

    async recent(limit: number): Promise<{ last24h: number; latest: Refusal[] }> {
      const [last24h, latest] = await Promise.all([
        rows().count({ where: { refusedAt: { $gte: new Date(Date.now() - DAY_MS) } } }) as Promise<number>,
        rows().findMany({ orderBy: newestFirst, limit }) as Promise<RefusalRow[]>,
      ]);
      return { last24h, latest: latest.map(toRefusal) };
    },

    async list(page: number, pageSize: number): Promise<{ data: Refusal[]; pagination: Pagination }> {
      const [total, found] = await Promise.all([
        rows().count({}) as Promise<number>,
        rows().findMany({ orderBy: newestFirst, offset: (page - 1) * pageSize, limit: pageSize }) as Promise<
          RefusalRow[]
        >,
      ]);
      return {
        data: found.map(toRefusal),
        pagination: { page, pageSize, total, pageCount: Math.ceil(total / pageSize) },
      };
    },
  };
};
