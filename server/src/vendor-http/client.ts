import { Agent, request } from 'undici';
import type { z } from 'zod';
import { failureForStatus, parseRetryAfter, VendorError, type VendorFailure } from './errors';
import type { VendorHttp, VendorRequest, VendorResponse } from './types';

export interface VendorHttpOptions {
  vendor: string;
  baseUrl: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Values that must never appear in an error message (credentials, tokens). */
  secrets?: () => ReadonlyArray<string>;
  /** The vendor's own reading of a status, where its document departs from the usual one. */
  classify?: (status: number, body: string) => VendorFailure | undefined;
}

// One keep-alive pool per process, shared by every vendor: connections are reused across uploads.
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

const ERROR_SNIPPET = 200;

const redact = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('[redacted]'), text);

const flatHeaders = (headers: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).flatMap(([key, value]) =>
      value === undefined ? [] : [[key.toLowerCase(), Array.isArray(value) ? value.join(', ') : value]],
    ),
  );

const urlFor = (baseUrl: string, req: VendorRequest): string => {
  const url = /^https?:\/\//.test(req.path)
    ? new URL(req.path)
    : new URL(req.path.replace(/^\//, ''), `${baseUrl.replace(/\/?$/, '/')}`);
  for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
  return url.toString();
};

/** HTTP for one vendor: undici with a pooled keep-alive agent, a timeout per attempt, typed failures. */
export function createVendorHttp(options: VendorHttpOptions): VendorHttp {
  const secrets = () => options.secrets?.() ?? [];
  const fail = (kind: VendorFailure, message: string, details?: VendorError['details']) =>
    new VendorError(options.vendor, kind, redact(message, secrets()), details);

  return {
    async send(req, signal) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      let response;
      try {
        response = await request(urlFor(options.baseUrl, req), {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          signal: AbortSignal.any([signal, timeout]),
        });
      } catch (error) {
        if (timeout.aborted) throw fail('timeout', `no answer within ${options.timeoutMs} ms`);
        if (signal.aborted) throw fail('timeout', 'the upload deadline passed');
        throw fail('network', `request failed (${(error as Error).message})`);
      }
      let text: string;
      try {
        text = await response.body.text();
      } catch (error) {
        throw fail(timeout.aborted ? 'timeout' : 'network', `answer cut off (${(error as Error).message})`);
      }
      const headers = flatHeaders(response.headers);
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return { status: response.statusCode, headers, text };
      }
      const kind = options.classify?.(response.statusCode, text) ?? failureForStatus(response.statusCode);
      // Redact before cutting: a secret straddling the cut would otherwise leak its first half.
      throw fail(kind, `HTTP ${response.statusCode}: ${redact(text, secrets()).slice(0, ERROR_SNIPPET)}`, {
        status: response.statusCode,
        retryAfterMs: parseRetryAfter(headers['retry-after']),
      });
    },

    json<T>(res: VendorResponse, schema: z.ZodType<T>): T {
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        throw fail('invalid-response', `answered HTTP ${res.status} with a body that is not JSON`);
      }
      const result = schema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw fail(
          'invalid-response',
          `answer does not match the documented schema (${issue.path.join('.') || 'body'}: ${issue.message})`,
        );
      }
      return result.data;
    },
  };
}
