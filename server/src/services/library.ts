/**
 * The library as the Photo Score page reads it: pages of images with their scores, one image
 * with all its evidence and history, the distribution of scores, a threshold preview, and the
 * homepage overview. Read only: nothing here changes a file.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { SCORE_CLASSES, type ScoreClass } from '../../../shared/contracts/common';
import type { FileDetail, FilesQuery, FilesResponse } from '../../../shared/contracts/files';
import type { Overview } from '../../../shared/contracts/overview';
import type { Thresholds } from '../../../shared/contracts/settings';
import type { Distribution, LineSamples, Preview, PreviewSample } from '../../../shared/contracts/thresholds';
import { evidenceOf, fileRefOf, summaryOf, SUMMARY_COLUMNS, type FileRow } from '../admin-api/views';
import { FILE_UID, PHOTO_SCORE_STATUSES } from '../attributes';
import { pluginConfig } from '../config';
import { getService } from '../get-service';
import { forEachRejudgeable, rejudge, type RejudgeableFile } from '../jobs/rejudge';
import { selectionWhere } from '../jobs/selection';

type Where = Record<string, unknown>;

/** Files near a threshold shown on each side of it. */
const SAMPLES_PER_SIDE = 4;
const OVERVIEW_LATEST = 5;
const PAGE = 1000;

const IMAGES: Where = { mime: { $startsWith: 'image/' } };

const emptyByClass = (): Record<ScoreClass, number> => ({ 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 });

/** Keeps the `size` items that sort first by `closer`, as they arrive. */
function nearest<T>(items: T[], item: T, closer: (a: T, b: T) => number, size = SAMPLES_PER_SIDE): void {
  items.push(item);
  items.sort(closer);
  if (items.length > size) items.pop();
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const files = () => strapi.db.query(FILE_UID);

  /** Rows with their URLs signed when the provider is private, as the Media Library shows them. */
  const signed = <Row extends Pick<FileRow, 'url' | 'formats' | 'provider'>>(rows: Row[]): Promise<Row[]> => {
    const fileService = strapi.plugin('upload').service('file');
    return Promise.all(rows.map((row) => fileService.signFileUrls(row) as Promise<Row>));
  };

  const folderPathOf = async (folder: number): Promise<string> => {
    const row = (await strapi.db.query('plugin::upload.folder').findOne({ where: { id: folder } })) as {
      path: string;
    } | null;
    if (!row) throw new errors.ValidationError(`folder: no folder with id ${folder}`);
    return row.path;
  };

  const whereOf = async (query: FilesQuery): Promise<Where> => {
    const clauses: Where[] = [
      IMAGES,
      // The date, type, status and folder filters mean what they mean for a backfill.
      selectionWhere(
        {
          scope: 'all',
          mime: query.mime,
          uploadedAfter: query.uploadedAfter,
          uploadedBefore: query.uploadedBefore,
          status: query.status,
        },
        query.folder === undefined ? undefined : await folderPathOf(query.folder),
      ),
    ];
    if (query.class) clauses.push({ photoScoreClass: { $in: query.class } });
    if (query.minScore !== undefined) clauses.push({ photoScore: { $gte: query.minScore } });
    if (query.maxScore !== undefined) clauses.push({ photoScore: { $lte: query.maxScore } });
    if (query.search) clauses.push({ name: { $containsi: query.search } });
    if (query.ids) clauses.push({ id: { $in: query.ids } });
    return { $and: clauses };
  };

  /**
   * One page of rows. Sorted by score, files without one come last on every database (SQL puts
   * NULLs first or last depending on the engine): the scored rows are paged first, then the rest.
   */
  const pageOf = async (where: Where, query: FilesQuery): Promise<{ rows: FileRow[]; total: number }> => {
    const [key, direction] = query.sort.split(':') as ['score' | 'date', 'asc' | 'desc'];
    const offset = (query.page - 1) * query.pageSize;
    const find = (extra: Where, orderBy: Array<Record<string, 'asc' | 'desc'>>, skip: number, limit: number) =>
      limit <= 0
        ? Promise.resolve([] as FileRow[])
        : (files().findMany({
            where: { $and: [where, extra] },
            orderBy,
            offset: skip,
            limit,
            select: [...SUMMARY_COLUMNS],
          }) as Promise<FileRow[]>);
    if (key === 'date') {
      const [rows, total] = await Promise.all([
        find({}, [{ createdAt: direction }, { id: direction }], offset, query.pageSize),
        files().count({ where }) as Promise<number>,
      ]);
      return { rows, total };
    }
    const scored = { photoScore: { $notNull: true } };
    const unscored = { photoScore: { $null: true } };
    const [scoredTotal, unscoredTotal] = (await Promise.all([
      files().count({ where: { $and: [where, scored] } }),
      files().count({ where: { $and: [where, unscored] } }),
    ])) as [number, number];
    const fromScored = Math.max(0, Math.min(query.pageSize, scoredTotal - offset));
    const rows = [
      ...(await find(scored, [{ photoScore: direction }, { id: direction }], offset, fromScored)),
      ...(await find(
        unscored,
        [{ createdAt: 'desc' }, { id: 'desc' }],
        Math.max(0, offset - scoredTotal),
        query.pageSize - fromScored,
      )),
    ];
    return { rows, total: scoredTotal + unscoredTotal };
  };

  /** Files per value of one column, in one grouped query (the widget loads on every admin's homepage). */
  const countBy = async (attribute: 'photoScoreStatus' | 'photoScoreClass'): Promise<Map<string, number>> => {
    const meta = strapi.db.metadata.get(FILE_UID);
    // Strapi's metadata gives every scalar attribute its column name (snake case, shortened if long).
    const { columnName } = meta.attributes[attribute] as { columnName: string };
    const rows = (await strapi.db
      .getConnection(meta.tableName)
      .select(`${columnName} as value`)
      .count('* as count')
      .groupBy(columnName)) as Array<{ value: string | number | null; count: string | number }>;
    return new Map(rows.map((row) => [String(row.value), Number(row.count)]));
  };

  const byStatus = async (): Promise<Record<string, number>> => {
    const counts = await countBy('photoScoreStatus');
    return Object.fromEntries(PHOTO_SCORE_STATUSES.map((status) => [status, counts.get(status) ?? 0]));
  };

  /** A class is only ever stored with a score. */
  const byClass = async (): Promise<Record<ScoreClass, number>> => {
    const counts = await countBy('photoScoreClass');
    return Object.fromEntries(SCORE_CLASSES.map((c) => [c, counts.get(String(c)) ?? 0])) as Record<ScoreClass, number>;
  };

  const thresholdsNow = async (): Promise<Thresholds> => {
    const { rejectBelow, flagBelow } = await getService(strapi, 'settings').get();
    return { rejectBelow, flagBelow };
  };

  return {
    async list(query: FilesQuery): Promise<FilesResponse> {
      const { rows, total } = await pageOf(await whereOf(query), query);
      return {
        data: (await signed(rows)).map(summaryOf),
        pagination: {
          page: query.page,
          pageSize: query.pageSize,
          total,
          pageCount: Math.ceil(total / query.pageSize),
        },
      };
    },

    async detail(id: number): Promise<FileDetail> {
      const found = (await files().findOne({ where: { id } })) as FileRow | null;
      if (!found) throw new errors.NotFoundError(`file ${id} not found`);
      const [row] = await signed([found]);
      return {
        ...summaryOf(row),
        ...evidenceOf(row),
        alternativeText: row.alternativeText,
        caption: row.caption,
        history: await getService(strapi, 'decisions').history(id),
      };
    },

    /** A histogram of stored scores, `bins` equal bins over 0–100, per class. */
    async distribution(bins: number): Promise<Distribution> {
      const width = 100 / bins;
      const histogram = Array.from({ length: bins }, (_, i) => ({
        from: Math.round(i * width * 100) / 100,
        to: Math.round((i + 1) * width * 100) / 100,
        total: 0,
        byClass: emptyByClass(),
      }));
      let total = 0;
      const classes = emptyByClass();
      for (let after = 0; ; ) {
        const page = (await files().findMany({
          where: { photoScore: { $notNull: true }, id: { $gt: after } },
          orderBy: { id: 'asc' },
          limit: PAGE,
          select: ['id', 'photoScore', 'photoScoreClass'],
        })) as Array<{ id: number; photoScore: number; photoScoreClass: ScoreClass }>;
        for (const file of page) {
          const bin = histogram[Math.min(bins - 1, Math.floor(file.photoScore / width))];
          bin.total++;
          bin.byClass[file.photoScoreClass]++;
          classes[file.photoScoreClass]++;
          total++;
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1].id;
      }
      return {
        bins: histogram,
        total,
        byClass: classes,
        byStatus: await byStatus(),
        thresholds: await thresholdsNow(),
      };
    },

    /**
     * What "apply to existing media" would do with these thresholds: the same files, judged by
     * the same code (jobs/rejudge.ts), and the files nearest each line on either side.
     */
    async preview(thresholds: Thresholds): Promise<Preview> {
      const settings = { ...(await getService(strapi, 'settings').get()), ...thresholds };
      const { nsfw } = pluginConfig(strapi);
      const counts = { total: 0, refuse: 0, flag: 0, accept: 0, changes: 0 };
      type Row = RejudgeableFile & Pick<FileRow, 'name' | 'url' | 'formats' | 'provider' | 'photoScoreClass'>;
      type Candidate = { file: Row; wouldBe: PreviewSample['wouldBe'] };
      const lines = (['rejectBelow', 'flagBelow'] as const).flatMap((key) => {
        const line = thresholds[key];
        return line === null ? [] : [{ key, line, below: [] as Candidate[], above: [] as Candidate[] }];
      });
      await forEachRejudgeable<Row>(strapi, ['name', 'url', 'formats', 'provider', 'photoScoreClass'], (file) => {
        const verdict = rejudge(file, settings, nsfw);
        if (!verdict) return;
        counts.total++;
        if (verdict.status === 'rejected') counts.refuse++;
        else if (verdict.status === 'flagged') counts.flag++;
        else counts.accept++;
        if (verdict.status !== file.photoScoreStatus) counts.changes++;
        const candidate = { file, wouldBe: verdict.status };
        for (const line of lines) {
          if (file.photoScore < line.line) {
            nearest(line.below, candidate, (a, b) => b.file.photoScore - a.file.photoScore);
          } else nearest(line.above, candidate, (a, b) => a.file.photoScore - b.file.photoScore);
        }
      });
      const samplesOf = async (side: Candidate[]): Promise<PreviewSample[]> => {
        const rows = await signed(side.map(({ file }) => file));
        return rows.map((file, i) => ({ ...fileRefOf(file), wouldBe: side[i].wouldBe }));
      };
      const lineSamples = async (key: 'rejectBelow' | 'flagBelow'): Promise<LineSamples | null> => {
        const line = lines.find((l) => l.key === key);
        return line
          ? { line: line.line, below: await samplesOf(line.below), above: await samplesOf(line.above) }
          : null;
      };
      return {
        thresholds,
        ...counts,
        samples: { rejectBelow: await lineSamples('rejectBelow'), flagBelow: await lineSamples('flagBelow') },
      };
    },

    /** The homepage widget: what waits for review, the distribution, the latest refusals. */
    async overview(): Promise<Overview> {
      const awaiting = { photoScoreStatus: { $in: ['flagged', 'pending'] } };
      const [statuses, classes, latest, refusals] = await Promise.all([
        byStatus(),
        byClass(),
        (
          files().findMany({
            where: { $and: [IMAGES, awaiting] },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            limit: OVERVIEW_LATEST,
            select: [...SUMMARY_COLUMNS],
          }) as Promise<FileRow[]>
        ).then(signed),
        getService(strapi, 'refusals').recent(OVERVIEW_LATEST),
      ]);
      return {
        awaitingReview: {
          flagged: statuses.flagged ?? 0,
          pending: statuses.pending ?? 0,
          latest: latest.map(fileRefOf),
        },
        distribution: {
          total: SCORE_CLASSES.reduce((sum, c) => sum + classes[c], 0),
          byClass: classes,
          byStatus: statuses,
        },
        refusals,
      };
    },
  };
};
