import type { Test } from 'supertest';

export interface Upload {
  name: string;
  bytes: Buffer;
  contentType: string;
}

/** Attaches files under the `files` field, as the Media Library and `POST /api/upload` expect. */
export const attachAll = (req: Test, uploads: Upload[]): Test =>
  uploads.reduce((r, u) => r.attach('files', u.bytes, { filename: u.name, contentType: u.contentType }), req);

export const jpeg = (name: string, bytes: Buffer): Upload => ({ name, bytes, contentType: 'image/jpeg' });
