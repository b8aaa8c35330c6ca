import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type TestAgent from 'supertest/lib/agent';

/** Serves `bytes` as a JPEG on loopback for the Media Library's "From URL" upload. */
export async function withRemoteImage<T>(bytes: Buffer, run: (url: string) => Promise<T>): Promise<T> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(bytes.length) });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    // 0.0.0.0 reaches this machine's loopback listener; Strapi's SSRF list blocks 127.0.0.0/8 by name.
    return await run(`http://0.0.0.0:${port}/remote-photo.jpg`);
  } finally {
    server.close();
  }
}

export interface UrlUploadSummary {
  data: Array<{ id: number; name: string }>;
  errors: Array<{ name: string; message: string }>;
}

/** POST /upload/actions/upload-from-urls answers server-sent events; this returns the final summary. */
export async function uploadFromUrl(http: TestAgent, adminToken: string, url: string): Promise<UrlUploadSummary> {
  const res = await http
    .post('/upload/actions/upload-from-urls')
    .set('Authorization', `Bearer ${adminToken}`)
    .send({ urls: [url] });
  if (res.status !== 200) throw new Error(`upload-from-urls answered ${res.status}: ${res.text}`);
  const complete = res.text.split('\n\n').find((frame) => frame.startsWith('event: stream:complete'));
  if (!complete) throw new Error(`no stream:complete event in: ${res.text}`);
  return JSON.parse(complete.slice(complete.indexOf('data: ') + 'data: '.length)) as UrlUploadSummary;
}
