/**
 * A stored file's bytes, read back through the upload provider it was stored with: the local
 * provider's files from the public folder, any other provider's by URL (a signed one when the
 * provider is private). The bytes are only read, never rewritten.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { request } from 'undici';

export interface StoredFileRow {
  id: number;
  name: string;
  url: string;
  mime: string | null;
  size?: number | null;
  provider?: string | null;
}

/** Reading the file failed: it is gone from storage, or its URL does not answer. */
export class StoredFileError extends Error {
  override name = 'StoredFileError';
}

interface UploadProvider {
  isPrivate?: () => boolean | Promise<boolean>;
  getSignedUrl?: (file: StoredFileRow) => Promise<{ url: string }>;
}

/** Longest a remote provider may take to hand a file back. */
const FETCH_TIMEOUT_MS = 30_000;

export async function readStoredFile(strapi: Core.Strapi, file: StoredFileRow, maxBytes: number): Promise<Buffer> {
  if (file.url.startsWith('/')) {
    // The local provider serves files from the public folder under their URL path.
    const publicDir = path.resolve(strapi.dirs.static.public);
    const location = path.resolve(publicDir, `.${decodeURIComponent(file.url.split('?')[0])}`);
    if (!location.startsWith(publicDir + path.sep)) {
      throw new StoredFileError(`"${file.name}" has a URL outside the public folder (${file.url})`);
    }
    try {
      return await readFile(location);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new StoredFileError(
        code === 'ENOENT'
          ? `"${file.name}" is missing from storage (${file.url})`
          : `"${file.name}" could not be read (${code})`,
      );
    }
  }
  const provider = strapi.plugin('upload').provider as UploadProvider | undefined;
  const url =
    provider?.isPrivate && (await provider.isPrivate()) && provider.getSignedUrl
      ? (await provider.getSignedUrl(file)).url
      : file.url;
  let response;
  try {
    response = await request(url, { headersTimeout: FETCH_TIMEOUT_MS, bodyTimeout: FETCH_TIMEOUT_MS });
  } catch (error) {
    throw new StoredFileError(`"${file.name}" could not be fetched from its provider (${(error as Error).message})`);
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new StoredFileError(`"${file.name}" could not be fetched from its provider (HTTP ${response.statusCode})`);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) {
      response.body.destroy();
      throw new StoredFileError(`"${file.name}" is larger than ${Math.round(maxBytes / 1e6)} MB and was not read`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
