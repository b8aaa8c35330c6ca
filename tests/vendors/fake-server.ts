import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake vendor received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** When the whole request had arrived (Date.now()). */
  receivedAt: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

/** Faults injected into the next `times` requests (default: every request until cleared). */
export interface Fault {
  latencyMs?: number;
  /** Never answer. */
  hang?: boolean;
  /** Answer this instead of the real handler. */
  reply?: Reply;
  times?: number;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server standing in for a vendor. `handle` enforces the vendor's documented
 * contract; `inject` makes it slow, hang, or answer errors and garbage on demand.
 */
export async function startFakeServer(handle: (req: RecordedRequest) => Reply | Promise<Reply>): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let faults: Fault[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const send = (res: http.ServerResponse, reply: Reply) => {
    const isJson = reply.body !== undefined && typeof reply.body !== 'string' && !Buffer.isBuffer(reply.body);
    const payload =
      reply.body === undefined ? '' : isJson ? JSON.stringify(reply.body) : (reply.body as string | Buffer);
    res.writeHead(reply.status, { ...(isJson ? { 'content-type': 'application/json' } : {}), ...reply.headers });
    res.end(payload);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const fault = faults[0];
      if (fault) {
        if (fault.times !== undefined && --fault.times <= 0) faults.shift();
        if (fault.hang) return;
        if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
        if (fault.reply) return send(res, fault.reply);
      }
      try {
        send(res, await handle(recorded));
      } catch (error) {
        send(res, { status: 500, body: { error: `fake server bug: ${(error as Error).message}` } });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inject: (fault) => void faults.push({ ...fault }),
    clearFaults: () => void (faults = []),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Parses a multipart/form-data body the way a vendor's framework would. */
export async function parseMultipart(req: RecordedRequest): Promise<FormData> {
  const contentType = String(req.headers['content-type'] ?? '');
  if (!contentType.startsWith('multipart/form-data'))
    throw new Error(`expected multipart/form-data, got ${contentType || 'nothing'}`);
  return new Response(req.body, { headers: { 'content-type': contentType } }).formData();
}

/** Decodes HTTP Basic credentials, or null. */
export function basicAuth(req: RecordedRequest): { user: string; password: string } | null {
  const header = String(req.headers.authorization ?? '');
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export const bearer = (req: RecordedRequest): string | null => {
  const header = String(req.headers.authorization ?? '');
  return header.startsWith('Bearer ') ? header.slice(7) : null;
};
