import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { blurryDarkPhoto, crispPhoto } from './helpers/images';
import { attachAll, jpeg } from './helpers/multipart';
import { startApp, type TestApp } from './helpers/strapi';

/** Photo Score's webhook events reach a receiver on loopback, through Strapi's own webhooks. */
interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: {
    event: string;
    file: { id: number | null; name: string; url: string | null; mime: string | null };
    score: number | null;
    class: number | null;
    status: string;
    reason: string | null;
    reasons: Record<string, string>;
  };
}

describe('webhook events', () => {
  let app: TestApp;
  let receiver: http.Server;
  let url: string;
  const deliveries: Delivery[] = [];

  const asAdmin = <T extends { set(name: string, value: string): T }>(req: T): T =>
    req.set('Authorization', `Bearer ${app.adminToken}`);

  /** The next delivery of `event` about `name`, waiting for Strapi's webhook queue. */
  const delivered = async (event: string, name: string): Promise<Delivery> => {
    for (let i = 0; i < 200; i++) {
      const found = deliveries.find((d) => d.body.event === event && d.body.file.name === name);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(
      `no ${event} for ${name}; got ${deliveries.map((d) => `${d.body.event}:${d.body.file.name}`).join(', ')}`,
    );
  };

  const upload = (name: string, bytes: Buffer) =>
    attachAll(app.http.post('/api/upload').set('Authorization', `Bearer ${app.apiToken}`), [jpeg(name, bytes)]);

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: JSON.parse(text) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    app = await startApp({ PHOTO_SCORE_FLAG_BELOW: '30' });
  });
  afterAll(async () => {
    await app?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('lets a webhook subscribe to the plugin’s events', async () => {
    const res = await asAdmin(app.http.post('/admin/webhooks')).send({
      name: 'photo-score receiver',
      url,
      headers: {},
      events: ['photo-score.scored', 'photo-score.flagged', 'photo-score.rejected', 'photo-score.approved'],
    });
    expect(res.status).toBe(201);
    const unknown = await asAdmin(app.http.post('/admin/webhooks')).send({
      name: 'typo',
      url,
      headers: {},
      events: ['photo-score.scorred'],
    });
    expect(unknown.status).toBe(400);
  });

  it('announces a scored upload with its file id, score, class and status', async () => {
    const res = await upload('crisp.jpg', await crispPhoto(800, 600));
    expect(res.status).toBe(201);
    const [file] = res.body;
    const { headers, body } = await delivered('photo-score.scored', 'crisp.jpg');
    expect(headers['x-strapi-event']).toBe('photo-score.scored');
    expect(body).toMatchObject({
      file: { id: file.id, name: 'crisp.jpg', url: file.url, mime: 'image/jpeg' },
      score: file.photoScore,
      class: file.photoScoreClass,
      status: 'scored',
    });
  });

  it('announces a flagged upload with the reasons it scored low', async () => {
    const res = await upload('dark.jpg', await blurryDarkPhoto(800, 600));
    expect(res.status).toBe(201);
    expect(res.body[0].photoScoreStatus).toBe('flagged');
    const { body } = await delivered('photo-score.flagged', 'dark.jpg');
    expect(body.file.id).toBe(res.body[0].id);
    expect(body.reason).toMatch(/below the review threshold of 30/);
    expect(Object.keys(body.reasons).length).toBeGreaterThan(0);
  });

  it('announces a refused upload, which has no file id since nothing was stored', async () => {
    await asAdmin(app.http.put('/photo-score/settings')).send({ rejectBelow: 100, flagBelow: 100 });
    const res = await upload('refused.jpg', await crispPhoto(800, 600, 3));
    expect(res.status).toBe(400);
    const { body } = await delivered('photo-score.rejected', 'refused.jpg');
    expect(body.file.id).toBeNull();
    expect(body.status).toBe('rejected');
    expect(body.reason).toMatch(/below the minimum of 100/);
  });

  it('announces what applying new thresholds changes on stored files', async () => {
    const applied = await asAdmin(app.http.post('/photo-score/apply'));
    expect(applied.body.data.byStatus).toEqual({ rejected: 2 });
    const { body } = await delivered('photo-score.rejected', 'crisp.jpg');
    expect(body.file.id).not.toBeNull();
    expect(body.reason).toMatch(/below the minimum of 100/);
  });
});
