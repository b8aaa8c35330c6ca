/**
 * `photo-score backfill`: drives a running Strapi's backfill admin API (server/src/admin-api)
 * from a terminal: a dry run (the estimate), or a backfill followed to its end with a progress
 * bar; Ctrl-C pauses it on the server, `--resume <id>` carries on.
 *
 * The admin routes take what Strapi's admin panel takes: an admin JWT (POST /admin/login; this
 * command signs in itself given an email and password, and again when the session expires), or
 * an admin token of Strapi's own (Settings → Admin tokens) holding the backfill permission.
 * Content API tokens (Settings → API Tokens) cannot call admin routes.
 */
import { z } from 'zod';

import { backfillSelectionSchema, type BackfillSelection } from '../../../shared/contracts/backfill';
import { PHOTO_SCORE_STATUSES } from '../attributes';

/** Where a command writes lines; the same shape as the CLI's. */
export interface LineOutput {
  out(line: string): void;
  err(line: string): void;
}

/** What the backfill command needs of its terminal, injectable for tests. */
export interface BackfillIo extends LineOutput {
  /** Whether stdout is a terminal: then progress is one line redrawn with `\r`. */
  tty: boolean;
  /** Writes without a newline (the progress bar). */
  draw(text: string): void;
  /** Calls `handler` on Ctrl-C (SIGINT) or SIGTERM; returns the function that stops listening. */
  onInterrupt(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
}

const EXIT_OK = 0;
const EXIT_SOME_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

const POLL_MS = 1_000;
/** When stdout is not a terminal, a progress line at most this often (and whenever the state changes). */
const PLAIN_LINE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** Polls that may fail in a row (network, 5xx) before the command gives up following. */
const POLL_RETRIES = 5;

export const BACKFILL_USAGE = `Usage: photo-score backfill --url <strapi-url> (--token <token> | --email <e> --password <p>)
                            [--dry-run] [--scope unscored|outdated|all] [--folder <id>] [--mime <type>]
                            [--after <date>] [--before <date>] [--status <s,…>] [--resume <id>] [--json]

Scores the images a Strapi library already holds, through the plugin's admin API (the
server does the scoring; this command starts the backfill and follows it).

Sign-in (never printed):
  --token <token>     an admin panel JWT (data.token of POST /admin/login; 30 minutes by
                      default), or a Strapi admin token (Settings → Admin tokens) with the
                      backfill permission. Env: PHOTO_SCORE_TOKEN.
                      Content API tokens (Settings → API Tokens) cannot call admin routes.
  --email <e> --password <p>
                      signs in at /admin/login (and again when the session expires).
                      Env: PHOTO_SCORE_EMAIL, PHOTO_SCORE_PASSWORD (keeps the password out of ps).
  --url <url>         the Strapi server, e.g. http://localhost:1337. Env: PHOTO_SCORE_URL.

Selection (default: every file never scored):
  --scope unscored    files never scored (default); outdated: not scored by today's
                      embedded model; all: every file
  --folder <id>       a Media Library folder and its subfolders
  --mime <type>       image/jpeg, or a family such as image/
  --after <date>      uploaded at or after, e.g. 2024-05-01 (UTC midnight) or 2024-05-01T12:00:00Z
  --before <date>     uploaded before
  --status <s,…>      only files with these statuses: ${PHOTO_SCORE_STATUSES.join(', ')}

  --dry-run           print the estimate (files, each paid vendor's requests against its
                      budget) and score nothing
  --resume <id>       resume a paused backfill (or follow a running one) instead of starting one
  --json              one JSON object per line: the estimate, or each progress report

Ctrl-C pauses the backfill on the server; resume it with --resume <id>.
Exit status: 0 done with no failures, 1 some files failed (or the backfill was cancelled or
paused from elsewhere), 2 usage error, refused sign-in or token, server error, 130 interrupted.`;

type Auth = { kind: 'token'; token: string } | { kind: 'login'; email: string; password: string };

export interface BackfillCommand {
  url: string;
  auth: Auth;
  dryRun: boolean;
  json: boolean;
  resume?: number;
  selection: BackfillSelection;
}

export type ParsedBackfill = { kind: 'usage-error'; message: string } | { kind: 'backfill'; command: BackfillCommand };

const VALUE_OPTIONS = [
  'url',
  'token',
  'email',
  'password',
  'scope',
  'folder',
  'mime',
  'after',
  'before',
  'status',
  'resume',
] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];
const isValueOption = (name: string): name is ValueOption => (VALUE_OPTIONS as readonly string[]).includes(name);

/** The selection field each option sets, to name the option in a validation message. */
const OPTION_OF_FIELD: Readonly<Record<string, string>> = {
  scope: '--scope',
  folder: '--folder',
  mime: '--mime',
  uploadedAfter: '--after',
  uploadedBefore: '--before',
  status: '--status',
};

/** A date (UTC midnight) or an instant, as the ISO 8601 instant the API takes. */
function parseInstant(option: string, value: string): string | { error: string } {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    return { error: `${option}: '${value}' is not a date (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)` };
  return new Date(time).toISOString();
}

function positiveInteger(option: string, value: string): number | { error: string } {
  return /^[1-9]\d*$/.test(value) ? Number(value) : { error: `${option} takes a positive integer id, not '${value}'` };
}

/** Parses `backfill`'s arguments (after the command name); `env` supplies the PHOTO_SCORE_* fallbacks. */
export function parseBackfillArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParsedBackfill {
  const usage = (message: string): ParsedBackfill => ({ kind: 'usage-error', message });
  const values: Partial<Record<ValueOption, string>> = {};
  let dryRun = false;
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('--')) {
      const equals = arg.indexOf('=');
      const name = arg.slice(2, equals < 0 ? undefined : equals);
      if (!isValueOption(name)) return usage(`unknown option '${arg.slice(0, equals < 0 ? undefined : equals)}'`);
      const value = equals < 0 ? argv[++index] : arg.slice(equals + 1);
      if (value === undefined || value === '') return usage(`--${name} needs a value`);
      if (values[name] !== undefined) return usage(`--${name} given twice`);
      values[name] = value;
    } else return usage(`backfill takes no arguments, only options ('${arg}')`);
  }

  const url = values.url ?? env.PHOTO_SCORE_URL;
  if (!url) return usage('backfill needs --url (the Strapi server, e.g. http://localhost:1337)');
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return usage(`--url: '${url}' is not a URL (e.g. http://localhost:1337)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return usage('--url must be an http:// or https:// URL');
  if (base.search || base.hash) return usage('--url takes the server address only, without a query or fragment');

  let auth: Auth;
  if (values.token !== undefined && (values.email !== undefined || values.password !== undefined)) {
    return usage('give --token or --email/--password, not both');
  }
  if (values.token !== undefined) auth = { kind: 'token', token: values.token };
  else if (values.email !== undefined || values.password !== undefined) {
    const email = values.email ?? env.PHOTO_SCORE_EMAIL;
    const password = values.password ?? env.PHOTO_SCORE_PASSWORD;
    if (!email) return usage('--password needs --email (or PHOTO_SCORE_EMAIL)');
    if (!password) return usage('--email needs --password (or PHOTO_SCORE_PASSWORD)');
    auth = { kind: 'login', email, password };
  } else if (env.PHOTO_SCORE_TOKEN) auth = { kind: 'token', token: env.PHOTO_SCORE_TOKEN };
  else if (env.PHOTO_SCORE_EMAIL && env.PHOTO_SCORE_PASSWORD) {
    auth = { kind: 'login', email: env.PHOTO_SCORE_EMAIL, password: env.PHOTO_SCORE_PASSWORD };
  } else {
    return usage(
      'backfill needs an admin sign-in: --token <admin JWT or admin token>, or --email and --password (or PHOTO_SCORE_TOKEN, or PHOTO_SCORE_EMAIL and PHOTO_SCORE_PASSWORD)',
    );
  }

  let resume: number | undefined;
  if (values.resume !== undefined) {
    const id = positiveInteger('--resume', values.resume);
    if (typeof id !== 'number') return usage(id.error);
    resume = id;
    const filters = (['scope', 'folder', 'mime', 'after', 'before', 'status'] as const).filter(
      (o) => values[o] !== undefined,
    );
    if (filters.length > 0)
      return usage(`--resume carries on a backfill as it was started: drop --${filters.join(', --')}`);
    if (dryRun) return usage('--dry-run estimates a new backfill: it does not go with --resume');
  }

  const input: Record<string, unknown> = {};
  if (values.scope !== undefined) input.scope = values.scope;
  if (values.folder !== undefined) {
    const folder = positiveInteger('--folder', values.folder);
    if (typeof folder !== 'number') return usage(folder.error);
    input.folder = folder;
  }
  if (values.mime !== undefined) input.mime = values.mime;
  for (const [option, field] of [
    ['after', 'uploadedAfter'],
    ['before', 'uploadedBefore'],
  ] as const) {
    const value = values[option];
    if (value === undefined) continue;
    const instant = parseInstant(`--${option}`, value);
    if (typeof instant !== 'string') return usage(instant.error);
    input[field] = instant;
  }
  if (values.status !== undefined) {
    input.status = values.status
      .split(',')
      .map((status) => status.trim())
      .filter((status) => status.length > 0);
  }
  // The server validates the selection again; checking here turns a typo into a usage error.
  const parsed = backfillSelectionSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    return usage(`${OPTION_OF_FIELD[field] ?? field}: ${issue.message}`);
  }

  return {
    kind: 'backfill',
    command: { url: base.href.replace(/\/+$/, ''), auth, dryRun, json, resume, selection: parsed.data },
  };
}

// ---------------------------------------------------------------------------------------------
// The server's answers
// ---------------------------------------------------------------------------------------------

const progressSchema = z.object({
  id: z.number().int(),
  state: z.enum(['running', 'paused', 'cancelled', 'done']),
  total: z.number(),
  done: z.number(),
  failed: z.number(),
  skipped: z.number(),
  cancelled: z.number(),
  remaining: z.number(),
  perMinute: z.number(),
  etaSeconds: z.number().nullable(),
  failures: z.array(z.object({ file: z.number(), reason: z.string().nullable() })),
});
export type Progress = z.infer<typeof progressSchema>;

const estimateSchema = z.object({
  selection: z.record(z.string(), z.unknown()),
  files: z.number().int(),
  vendors: z.array(
    z.object({
      vendor: z.string(),
      requests: z.number(),
      budget: z.object({
        perDay: z.number().optional(),
        perMonth: z.number().optional(),
        usedToday: z.number().optional(),
        usedThisMonth: z.number().optional(),
      }),
    }),
  ),
});
type Estimate = z.infer<typeof estimateSchema>;

/** Every answer of Strapi's admin API: `{ data: … }`. */
const dataEnvelope = z.object({ data: z.unknown() });
const loginSchema = z.object({ data: z.object({ token: z.string().min(1) }) });
/** Strapi's error body: `{ error: { status, name, message, details } }` (or koa's plain text). */
const errorSchema = z.object({
  error: z.object({ status: z.number().optional(), name: z.string().optional(), message: z.string() }),
});

/** An HTTP answer other than 2xx. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    /** The server's own message, when it sent one. */
    readonly serverMessage: string | undefined,
  ) {
    super(`${path} answered ${status}${serverMessage ? `: ${serverMessage}` : ''}`);
  }
}

/** A failure that ends the command with exit 2 and this one-line message. */
class CommandError extends Error {}

const SIGN_IN_HELP =
  'use an admin panel JWT (data.token of POST /admin/login), --email/--password, or an admin token with the Photo Score backfill permission; content API tokens cannot call admin routes';

/** Talks to the admin API with the command's credentials; signs in (again) when given an email and password. */
class AdminApi {
  private jwt: string | undefined;

  constructor(
    private readonly base: string,
    private readonly auth: Auth,
  ) {
    if (auth.kind === 'token') this.jwt = auth.token;
  }

  get signsIn(): boolean {
    return this.auth.kind === 'login';
  }

  private async send(method: 'GET' | 'POST', path: string, body: unknown, token: string | undefined) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CommandError(`cannot reach ${this.base}: ${networkReason(error)}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const parsed = errorSchema.safeParse(json);
      throw new HttpError(response.status, path, parsed.success ? parsed.data.error.message : undefined);
    }
    return json;
  }

  private async signIn(): Promise<string> {
    if (this.auth.kind !== 'login') throw new Error('no email and password to sign in with');
    let json: unknown;
    try {
      json = await this.send(
        'POST',
        '/admin/login',
        { email: this.auth.email, password: this.auth.password },
        undefined,
      );
    } catch (error) {
      if (error instanceof HttpError && (error.status === 400 || error.status === 401)) {
        throw new CommandError(
          `sign-in refused at ${this.base}/admin/login: ${error.serverMessage ?? `status ${error.status}`} (an admin panel account's email and password are needed)`,
        );
      }
      if (error instanceof HttpError && error.status === 429) {
        throw new CommandError(`sign-in refused at ${this.base}/admin/login: too many attempts, try again later`);
      }
      throw error;
    }
    const parsed = loginSchema.safeParse(json);
    if (!parsed.success)
      throw new CommandError(`${this.base}/admin/login did not answer with a token: is --url a Strapi 5 server?`);
    this.jwt = parsed.data.data.token;
    return this.jwt;
  }

  /** Calls an admin route and validates the `data` it answers; a session that expired is renewed once. */
  async call<T extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: T,
    body?: unknown,
  ): Promise<z.output<T>> {
    const token = this.jwt ?? (await this.signIn());
    let json: unknown;
    try {
      json = await this.send(method, path, body, token);
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401 && this.signsIn)) throw error;
      json = await this.send(method, path, body, await this.signIn());
    }
    const wrapped = dataEnvelope.safeParse(json);
    const parsed = schema.safeParse(wrapped.success ? wrapped.data.data : undefined);
    if (!wrapped.success || !parsed.success) {
      const issue = (wrapped.error ?? parsed.error)?.issues[0];
      const where = issue ? `${wrapped.success ? 'data.' : ''}${issue.path.join('.')}: ${issue.message}` : 'no data';
      throw new CommandError(
        `unexpected answer from ${this.base}${path} (${where}): is the photo-score plugin on the server this version or newer?`,
      );
    }
    return parsed.data;
  }

  estimate = (selection: BackfillSelection) =>
    this.call('POST', '/photo-score/backfill/estimate', estimateSchema, selection);
  start = (selection: BackfillSelection) => this.call('POST', '/photo-score/backfill', progressSchema, selection);
  list = () => this.call('GET', '/photo-score/backfill', z.array(progressSchema));
  progress = (id: number) => this.call('GET', `/photo-score/backfill/${id}`, progressSchema);
  pause = (id: number) => this.call('POST', `/photo-score/backfill/${id}/pause`, progressSchema);
  resume = (id: number) => this.call('POST', `/photo-score/backfill/${id}/resume`, progressSchema);
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The one-line message for a failed call. */
function describeFailure(error: unknown, command: BackfillCommand): string {
  if (error instanceof CommandError) return error.message;
  if (!(error instanceof HttpError)) return error instanceof Error ? error.message : String(error);
  const server = error.serverMessage;
  switch (error.status) {
    case 401:
      return command.auth.kind === 'login'
        ? `the server refused the admin session (401) even after signing in again at /admin/login`
        : `the server refused the token (401): the token is not an admin token with the backfill permission (or it expired; admin JWTs last 30 minutes by default) — ${SIGN_IN_HELP}`;
    case 403:
      return `the server refused (403): the token is not an admin token with the backfill permission — give the admin's role Photo Score's "Score existing media" permission (Settings → Roles), or use an admin who has it`;
    case 404:
      return server && server !== 'Not Found'
        ? server
        : `${command.url} has no photo-score backfill API (${error.path} not found): is --url the Strapi server, with the photo-score plugin installed and enabled?`;
    case 400:
      return `the server refused the request: ${server ?? 'bad request'}`;
    default:
      return `the server failed (${error.status} on ${error.path})${server ? `: ${server}` : ''}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function describeSelection(selection: BackfillSelection): string {
  const parts = [`scope ${selection.scope}`];
  if (selection.folder !== undefined) parts.push(`folder ${selection.folder}`);
  if (selection.mime) parts.push(`mime ${selection.mime}`);
  if (selection.uploadedAfter) parts.push(`uploaded from ${selection.uploadedAfter}`);
  if (selection.uploadedBefore) parts.push(`uploaded before ${selection.uploadedBefore}`);
  if (selection.status) parts.push(`status ${selection.status.join('/')}`);
  return parts.join(', ');
}

function estimateLines(estimate: Estimate, selection: BackfillSelection): string[] {
  const lines = [
    `${plural(estimate.files, 'file')} would be scored (${describeSelection(selection)}); nothing was scored`,
  ];
  if (estimate.vendors.length === 0) {
    lines.push('vendors: none billed (the embedded scorer only)');
    return lines;
  }
  lines.push('vendors (billed requests against budget):');
  for (const { vendor, requests, budget } of estimate.vendors) {
    const periods: string[] = [];
    const over: string[] = [];
    for (const [label, limit, used] of [
      ['today', budget.perDay, budget.usedToday ?? 0],
      ['this month', budget.perMonth, budget.usedThisMonth ?? 0],
    ] as const) {
      if (limit === undefined) continue;
      periods.push(`${label} ${used} of ${limit} used`);
      if (used + requests > limit) over.push(`${label}'s budget leaves ${Math.max(0, limit - used)}`);
    }
    const budgetText = periods.length > 0 ? periods.join(', ') : 'no budget set';
    const warning = over.length > 0 ? ` — over budget: ${over.join(', ')}` : '';
    lines.push(`  ${vendor.padEnd(12)} ${plural(requests, 'request')}  (${budgetText})${warning}`);
  }
  return lines;
}

const finishedOf = (p: Progress) => p.done + p.failed + p.skipped + p.cancelled;

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const counts = (p: Progress) =>
  `${p.done} done, ${p.failed} failed, ${p.skipped} skipped${p.cancelled > 0 ? `, ${p.cancelled} cancelled` : ''}`;

const rate = (p: Progress) =>
  `${p.perMinute.toFixed(p.perMinute < 10 ? 1 : 0)}/min` +
  (p.state === 'running' && p.remaining > 0 ? `, ETA ${p.etaSeconds === null ? '?' : duration(p.etaSeconds)}` : '');

/** The progress bar's line, without `\r`: `[█████░░░░░]  42% 420/1000 · 400 done, 12 failed, 8 skipped · 35/min, ETA 16m40s`. */
export function progressBar(p: Progress, width = 24): string {
  const fraction = p.total === 0 ? 1 : Math.min(1, finishedOf(p) / p.total);
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${bar}] ${percent} ${finishedOf(p)}/${p.total} · ${counts(p)} · ${rate(p)}`;
}

/** A progress report as a plain line, for logs. */
export function progressLine(p: Progress): string {
  return `backfill ${p.id} ${p.state}: ${finishedOf(p)}/${p.total} · ${counts(p)} · ${rate(p)}`;
}

/** A server's reason on one line, at most `max` characters (decoders repeat themselves over lines). */
function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function summaryLines(p: Progress, seconds: number): string[] {
  const how = p.state === 'done' ? 'done' : p.state === 'cancelled' ? 'was cancelled' : `is ${p.state}`;
  const lines = [`backfill ${p.id} ${how} after ${duration(seconds)}: ${plural(p.total, 'file')}, ${counts(p)}`];
  if (p.failed > 0) {
    lines.push('failed:');
    for (const failure of p.failures)
      lines.push(`  file ${failure.file}: ${oneLine(failure.reason ?? 'no reason given')}`);
    if (p.failed > p.failures.length) {
      lines.push(`  … and ${p.failed - p.failures.length} more (Media Library, status "failed")`);
    }
  }
  return lines;
}

/**
 * The server's rate counts the files finished in the last minute, which reads low for a run
 * younger than a minute: until then the rate and ETA shown are the ones this command observed
 * since it started following.
 */
function observedRate(first: Progress, since: number, now: () => number = Date.now): (p: Progress) => Progress {
  return (p) => {
    const elapsed = now() - since;
    if (elapsed < 1_000 || elapsed >= 60_000 || p.state !== 'running') return p;
    const perMinute = ((finishedOf(p) - finishedOf(first)) * 60_000) / elapsed;
    if (perMinute <= p.perMinute) return p;
    return { ...p, perMinute, etaSeconds: Math.round((p.remaining / perMinute) * 60) };
  };
}

const sleep = (ms: number, interrupted: Promise<void>) =>
  Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms)), interrupted]);

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/** Runs `photo-score backfill` and resolves to the exit code; never calls process.exit. */
export async function runBackfill(command: BackfillCommand, io: BackfillIo): Promise<number> {
  const api = new AdminApi(command.url, command.auth);
  let barShown = false;
  const clearBar = () => {
    if (barShown) io.draw('\r\x1b[K');
    barShown = false;
  };
  const out = (line: string) => {
    clearBar();
    io.out(line);
  };
  const fail = (message: string) => {
    clearBar();
    io.err(`photo-score: ${message}`);
    return EXIT_USAGE;
  };
  const resumeHint = (id: number) => `photo-score backfill --url ${command.url} --resume ${id}`;

  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  let wake: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const stopListening = io.onInterrupt((received) => {
    signal ??= received;
    wake();
  });

  try {
    if (command.dryRun) {
      const estimate = await api.estimate(command.selection);
      if (command.json) io.out(JSON.stringify(estimate));
      else for (const line of estimateLines(estimate, command.selection)) io.out(line);
      return EXIT_OK;
    }

    let progress: Progress;
    if (command.resume !== undefined) {
      progress = await api.progress(command.resume);
      if (progress.state === 'paused') progress = await api.resume(progress.id);
      if (!command.json)
        out(
          `backfill ${progress.id} ${progress.state === 'running' ? 'resumed' : progress.state}: ${finishedOf(progress)} of ${plural(progress.total, 'file')} finished`,
        );
    } else {
      const estimate = await api.estimate(command.selection);
      if (estimate.files === 0) {
        if (command.json) io.out(JSON.stringify({ files: 0, started: false }));
        else out(`nothing to score (${describeSelection(command.selection)}): no backfill started`);
        return EXIT_OK;
      }
      try {
        progress = await api.start(command.selection);
      } catch (error) {
        if (
          error instanceof HttpError &&
          error.status === 400 &&
          /is (running|paused)/.test(error.serverMessage ?? '')
        ) {
          const busy = (await api.list()).find((run) => run.state === 'running' || run.state === 'paused');
          if (busy) {
            return fail(
              `backfill ${busy.id} is already ${busy.state} (${finishedOf(busy)} of ${busy.total} finished): follow or resume it with --resume ${busy.id}, or cancel it in the admin panel`,
            );
          }
        }
        throw error;
      }
      if (!command.json)
        out(
          `backfill ${progress.id} started: ${plural(progress.total, 'file')} (${describeSelection(command.selection)})`,
        );
    }

    const started = Date.now();
    const rates = observedRate(progress, started);
    let lastPlain = Date.now();
    let lastState = progress.state;
    let lastJson = '';
    let pollFailures = 0;
    for (;;) {
      if (command.json) {
        const line = JSON.stringify(progress);
        if (line !== lastJson) io.out(line);
        lastJson = line;
      } else if (io.tty) {
        io.draw(`\r\x1b[K${progressBar(rates(progress))}`);
        barShown = true;
      } else if (
        progress.state === 'running' &&
        (progress.state !== lastState || Date.now() - lastPlain >= PLAIN_LINE_MS)
      ) {
        out(progressLine(rates(progress)));
        lastPlain = Date.now();
      }
      lastState = progress.state;
      if (progress.state !== 'running' || signal) break;
      await sleep(POLL_MS, interrupted);
      if (signal) break;
      try {
        progress = await api.progress(progress.id);
        pollFailures = 0;
      } catch (error) {
        const transient = error instanceof CommandError || (error instanceof HttpError && error.status >= 500);
        if (!transient || ++pollFailures > POLL_RETRIES) {
          return fail(
            `${describeFailure(error, command)}; backfill ${progress.id} goes on on the server: follow it with ${resumeHint(progress.id)}`,
          );
        }
      }
    }

    if (signal) {
      try {
        if (progress.state === 'running') progress = await api.pause(progress.id);
      } catch (error) {
        // Finished meanwhile: a pause is refused with 400. Anything else is worth saying.
        if (error instanceof HttpError && error.status === 400) progress = await api.progress(progress.id);
        else return fail(`could not pause backfill ${progress.id}: ${describeFailure(error, command)}`);
      }
      if (progress.state === 'paused') {
        // With --json, stdout stays one JSON object per line: the words go to stderr.
        const note = command.json ? (line: string) => io.err(line) : out;
        if (command.json) io.out(JSON.stringify(progress));
        note(`paused backfill ${progress.id} at ${finishedOf(progress)} of ${progress.total} (${counts(progress)})`);
        note(`resume it with: ${resumeHint(progress.id)}`);
        return EXIT_SIGNAL[signal];
      }
    }

    if (!command.json) {
      clearBar();
      for (const line of summaryLines(progress, (Date.now() - started) / 1000)) out(line);
      if (progress.state === 'paused') out(`it was paused from elsewhere; resume it with: ${resumeHint(progress.id)}`);
    }
    return progress.state === 'done' && progress.failed === 0 ? EXIT_OK : EXIT_SOME_FAILED;
  } catch (error) {
    return fail(describeFailure(error, command));
  } finally {
    stopListening();
  }
}

/** The process's terminal: stdout, stderr and its signals; a second Ctrl-C quits at once. */
export const processIo: BackfillIo = {
  tty: process.stdout.isTTY === true,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  draw: (text) => process.stdout.write(text),
  onInterrupt(handler) {
    let seen = 0;
    const listener = (signal: 'SIGINT' | 'SIGTERM') => {
      if (++seen > 1) {
        process.stderr.write('\nphoto-score: interrupted again: quitting without waiting for the pause\n');
        process.exit(EXIT_SIGNAL[signal]);
      }
      if (process.stdout.isTTY) process.stderr.write('\n');
      handler(signal);
    };
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
};
