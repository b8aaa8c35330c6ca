import type { Core } from '@strapi/strapi';

/**
 * Updates the row matching `where`, or creates it. The tables this is used on have a unique index
 * on the `where` columns, so when another process creates the row between our update and our
 * create, the create fails and updating theirs is what is left to do.
 */
export async function upsertRow(
  strapi: Core.Strapi,
  uid: string,
  where: Record<string, string>,
  data: Record<string, unknown>,
): Promise<void> {
  const rows = strapi.db.query(uid);
  const update = () => rows.update({ where, data });
  if (await update()) return;
  try {
    await rows.create({ data: { ...where, ...data } });
  } catch (error) {
    if (!(await update())) throw error;
  }
}
