import { rm } from 'node:fs/promises';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { PhotoScoreFields } from './attributes';
import { emitVerdict } from './events';
import { pluginConfig } from './config';
import { actorOf, type AdminUser } from './admin-api/actor';
import { getService } from './get-service';
import type { NewRefusal } from './services/refusals';
import { UPLOADS_RUN } from './jobs/upload-job';
import { unjudgedRecord } from './pipeline/record';
import type { Assessment } from './pipeline';
import { untilJudged, withScoreFields } from './pipeline/persist';
import { fromUpload, type IncomingFile } from './pipeline/prepare';

type UploadData = { fileInfo?: unknown; [key: string]: unknown };
type UploadFn = (
  args: { data?: UploadData; files: IncomingFile | IncomingFile[] },
  opts?: unknown,
) => Promise<unknown[]>;
type ReplaceFn = (
  id: unknown,
  args: { data?: UploadData; file: IncomingFile | IncomingFile[] },
  opts?: unknown,
) => Promise<unknown>;
interface ProviderService {
  upload(file: unknown): Promise<unknown>;
  replace(newFile: unknown, oldFile: unknown): Promise<unknown>;
  [key: string]: unknown;
}
interface UploadService {
  upload: UploadFn;
  replace: ReplaceFn;
  [key: string]: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

type Rejection = Extract<Assessment, { action: 'reject' }>;
type Judgement = { records: PhotoScoreFields[] } | { rejections: Rejection[] };

/** What the provider throws instead of storing a file of a refused request (untilJudged). */
class RefusedRequest extends Error {
  override name = 'RefusedRequest';
}

/**
 * A refused upload must leave nothing behind, but Strapi's body middleware only deletes
 * multipart temp files when the request succeeds. Only files that arrived with the
 * current request are ours to delete; a programmatic caller's file stays untouched.
 */
async function discardRequestTempFiles(strapi: Core.Strapi, files: IncomingFile[]): Promise<void> {
  const requestFiles = asArray(
    strapi.requestContext.get()?.request.files?.files as IncomingFile | IncomingFile[] | undefined,
  );
  await Promise.all(
    files.filter((file) => requestFiles.includes(file)).map((file) => rm(file.filepath, { force: true })),
  );
}

const reasonsOf = (rejection: Rejection): Record<string, string> => {
  const details = rejection.record.photoScoreDetails;
  return 'reasons' in details ? details.reasons : {};
};

/**
 * The 400 (413 for a file too large to decode) of a refused request: each refused file with its
 * score and why; with several files, that none of them was stored (a request is all or nothing).
 */
function refusal(rejections: Rejection[], fileCount: number): Error {
  const said = rejections.map((r) => r.message).join('. ');
  const message =
    fileCount === 1
      ? `Upload refused: ${said}`
      : `Upload refused: ${said}. None of the ${fileCount} files were stored.`;
  const details = {
    rejected: rejections.map((rejection) => ({
      file: rejection.file,
      score: rejection.score,
      reason: rejection.message,
      reasons: reasonsOf(rejection),
    })),
  };
  return rejections.some((r) => r.status === 413)
    ? new errors.PayloadTooLargeError(message, details)
    : new errors.ValidationError(message, details);
}

interface RequestState {
  auth?: { strategy?: { name?: string }; credentials?: { name?: string } | null };
  user?: AdminUser & { username?: string | null };
}

/** How the refused upload arrived and from whom, for the refusal log; never a token itself. */
function uploaderOf(strapi: Core.Strapi): Pick<NewRefusal, 'via' | 'by'> {
  const state = strapi.requestContext.get()?.state as RequestState | undefined;
  switch (state?.auth?.strategy?.name) {
    case 'admin':
      return { via: 'admin', by: actorOf(state.user).name };
    case 'admin-token':
      return { via: 'admin', by: state.auth?.credentials?.name ?? null };
    case 'content-api-token':
      return { via: 'api-token', by: state.auth?.credentials?.name ?? null };
    case 'users-permissions':
      return { via: 'users-permissions', by: state.user?.username ?? state.user?.email ?? null };
    default:
      return { via: 'server', by: null };
  }
}

/**
 * Wraps the upload service so every file is scored before anything is stored, whichever
 * route or caller reaches it. A request with any refused file stores none of its files.
 */
export function installUploadHook(strapi: Core.Strapi): void {
  const pipeline = () => getService(strapi, 'pipeline');
  const settings = () => getService(strapi, 'settings');

  const asynchronous = pluginConfig(strapi).mode === 'async';

  /**
   * Every file of a request judged, one at a time (decoding is CPU-bound and the machine's cores
   * also serve other requests): the score fields of each, in order, or the refused ones. In async
   * mode every file is stored `pending`, to be scored by a job (jobs/upload-job.ts).
   */
  const judgeAll = async (files: IncomingFile[]): Promise<Judgement> => {
    if (asynchronous) {
      const now = new Date().toISOString();
      return {
        records: files.map((file) => unjudgedRecord(fromUpload(file).mime, 'waiting to be scored', now, 'pending')),
      };
    }
    const current = await settings().get();
    const assessments: Assessment[] = [];
    for (const file of files) assessments.push(await pipeline().assess(fromUpload(file), current));
    const rejections = assessments.filter((a): a is Rejection => a.action === 'reject');
    if (rejections.length > 0) return { rejections };
    return { records: assessments.flatMap((a) => (a.action === 'accept' ? [a.record] : [])) };
  };

  /** A request with a refused file: nothing of it stays, the refusal is logged and announced, and thrown. */
  const refuse = async (rejections: Rejection[], files: IncomingFile[]): Promise<never> => {
    await discardRequestTempFiles(strapi, files);
    const error = refusal(rejections, files.length);
    strapi.log.info(`[photo-score] ${error.message}`);
    await logRefusals(rejections, files);
    for (const rejection of rejections) {
      if (rejection.record.photoScoreStatus === 'rejected') {
        await emitVerdict(strapi, { id: null, name: rejection.file }, rejection.record);
      }
    }
    throw error;
  };

  /** The score fields of each file, in order, or throws the refusal when any file is refused. */
  const assessAll = async (files: IncomingFile[]): Promise<PhotoScoreFields[]> => {
    const judgement = await judgeAll(files);
    return 'rejections' in judgement ? refuse(judgement.rejections, files) : judgement.records;
  };

  /** The refusal log must never turn a refusal into a 500: a failure to write it is only logged. */
  const logRefusals = async (rejections: Rejection[], files: IncomingFile[]): Promise<void> => {
    const uploader = uploaderOf(strapi);
    const mimeOf = new Map(files.map(fromUpload).map(({ name, mime }) => [name, mime]));
    try {
      await getService(strapi, 'refusals').log(
        rejections.map((rejection) => ({
          fileName: rejection.file,
          mime: mimeOf.get(rejection.file) ?? null,
          score: rejection.score,
          message: rejection.message,
          reasons: reasonsOf(rejection),
          ...uploader,
        })),
      );
    } catch (error) {
      strapi.log.warn(`[photo-score] refusal not logged: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  /** Once the current request's answer is sent; at once outside a request. */
  const answered = (): Promise<void> => {
    const response = strapi.requestContext.get()?.res;
    if (!response || response.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      response.once('finish', resolve);
      response.once('close', resolve);
    });
  };

  // The upload's answer must not wait for its own scoring job, which would start at once on
  // this process's event loop: the job is delivered after the answer.
  const queueForScoring = (rows: unknown[]): Promise<void> =>
    getService(strapi, 'jobs').enqueue(
      UPLOADS_RUN,
      rows.flatMap((row) =>
        typeof row === 'object' && row !== null && 'id' in row && typeof row.id === 'number' ? [row.id] : [],
      ),
      answered(),
    );

  /**
   * Strapi's own refusals inside the upload service ("File name contains invalid characters",
   * a size limit) end the request with an error too, so its temp files are ours to remove.
   */
  const cleaningUpOnError = async <T>(files: IncomingFile[], store: () => Promise<T>): Promise<T> => {
    try {
      return await store();
    } catch (error) {
      await discardRequestTempFiles(strapi, files);
      throw error;
    }
  };

  strapi.get('services').extend('plugin::upload.upload', (service: UploadService): UploadService => {
    const upload: UploadFn = ({ data = {}, files }, opts) =>
      cleaningUpOnError(asArray(files), () => storeAll({ data, files }, opts));

    const storeAll: UploadFn = async ({ data = {}, files }, opts) => {
      const fileArray = asArray(files);
      // The request is judged while Strapi makes each file's thumbnail and formats; the provider
      // waits for the whole request's verdict before it stores any byte (untilJudged), so a
      // refused request still leaves nothing behind.
      const judged = judgeAll(fileArray);
      judged.catch(() => undefined);
      const verdictOf = async (index: number): Promise<PhotoScoreFields> => {
        const judgement = await judged;
        if ('rejections' in judgement) throw new RefusedRequest('the request was refused');
        return judgement.records[index];
      };
      const { fileInfo, ...metas } = data;
      const fileInfos = asArray(fileInfo);
      const { concurrentUploadSize = 1 } = strapi.config.get('plugin::upload') as { concurrentUploadSize?: number };

      // Uploading file by file gives each its own async context, so each row gets its own score.
      const stored: unknown[] = [];
      const indexed = fileArray.map((file, index) => ({ file, index }));
      for (const batch of chunk(indexed, Math.max(1, concurrentUploadSize))) {
        // Settled, not raced: a file of the batch still being stored when another fails must
        // be done (and its temp files gone) before the request answers.
        const results = await Promise.allSettled(
          batch.map(({ file, index }) =>
            withScoreFields(verdictOf(index), () =>
              service.upload({ data: { ...metas, fileInfo: fileInfos[index] }, files: file }, opts),
            ),
          ),
        );
        const failure = results.find((result) => result.status === 'rejected');
        if (failure) {
          // A refusal says why, whatever else failed meanwhile.
          const judgement = await judged.catch(() => undefined);
          if (judgement && 'rejections' in judgement) await refuse(judgement.rejections, fileArray);
          throw failure.reason;
        }
        stored.push(...results.flatMap((result) => (result.status === 'fulfilled' ? result.value : [])));
      }
      if (asynchronous) await queueForScoring(stored);
      return stored;
    };

    const replace: ReplaceFn = (id, args, opts) =>
      cleaningUpOnError(asArray(args.file), async () => {
        // The admin route hands over every posted file; the upload service stores the first.
        const [score] = await assessAll(asArray(args.file));
        const replaced = await withScoreFields(score, () => service.replace(id, args, opts));
        if (asynchronous) await queueForScoring([replaced]);
        return replaced;
      });

    return { ...service, upload, replace };
  });

  // Every byte an upload stores goes through the provider service: the file, its thumbnail and
  // each responsive format. Inside a request being judged, none is written before the verdict.
  strapi.get('services').extend('plugin::upload.provider', (service: ProviderService): ProviderService => ({
    ...service,
    async upload(file) {
      await untilJudged();
      return service.upload(file);
    },
    async replace(newFile, oldFile) {
      await untilJudged();
      return service.replace(newFile, oldFile);
    },
  }));
}
