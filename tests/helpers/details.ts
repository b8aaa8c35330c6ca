import type { TestApp } from './strapi';

/**
 * The files with `photoScoreDetails` as stored: the content API leaves it out (private unless
 * `publicDetails`), so tests read it where admins and the plugin do, from the file's row.
 */
export async function withStoredDetails<T extends { id: number }>(app: TestApp, files: readonly T[]): Promise<T[]> {
  const rows = (await app.strapi.db.query('plugin::upload.file').findMany({
    where: { id: { $in: files.map((file) => file.id) } },
    select: ['id', 'photoScoreDetails'],
  })) as Array<{ id: number; photoScoreDetails: unknown }>;
  return files.map((file) => {
    const row = rows.find((candidate) => candidate.id === file.id);
    if (!row) throw new Error(`file ${file.id} is not stored`);
    return { ...file, photoScoreDetails: row.photoScoreDetails };
  });
}
