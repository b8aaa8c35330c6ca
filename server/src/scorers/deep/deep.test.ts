import net from 'node:net';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';

import { decodeWorkingImage, type WorkingImage } from '../../prepare/decode';
import { inThreadEmbedded } from '../embedded';
import { DEFAULT_MODERATION_THRESHOLDS, loadDeepScorer, moderateOffline, moderationFrom, scoreDeep } from './index';
import { NSFW_CLASS_NAMES } from './model';

const WIDTH = 512;
const HEIGHT = 384;

/** A synthetic outdoor scene: sky, hills, a house with windows, a tree, fine grass texture. */
async function scene(): Promise<Buffer> {
  const blades = Array.from({ length: 400 }, (_, i) => {
    const x = (i * 97) % WIDTH;
    const y = 250 + ((i * 53) % 130);
    return `<line x1="${x}" y1="${y}" x2="${x + ((i % 7) - 3)}" y2="${y - 8 - (i % 9)}" stroke="#${i % 2 ? '2f6b1f' : '4f8f2f'}" stroke-width="1"/>`;
  }).join('');
  const windows = [0, 1, 2]
    .map(
      (i) => `<rect x="${230 + i * 40}" y="200" width="24" height="24" fill="#ffe9a8" stroke="#333" stroke-width="2"/>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#2c6fbf"/><stop offset="1" stop-color="#b9d8f2"/></linearGradient></defs>
    <rect width="${WIDTH}" height="${HEIGHT}" fill="url(#sky)"/>
    <circle cx="420" cy="70" r="34" fill="#fff3b0"/>
    <path d="M0 260 Q 128 190 256 250 T 512 240 V 384 H 0 Z" fill="#5e9b3a"/>
    <rect x="215" y="180" width="140" height="90" fill="#c0603a" stroke="#222" stroke-width="3"/>
    <polygon points="205,182 285,120 365,182" fill="#6b2b1a" stroke="#222" stroke-width="3"/>
    ${windows}
    <rect x="80" y="170" width="16" height="90" fill="#5a3a1a"/><circle cx="88" cy="160" r="42" fill="#2f7a2a"/>
    ${blades}
    <text x="20" y="370" font-family="sans-serif" font-size="22" fill="#fff">Sunday 14:05</text>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toBuffer();
}

let sharpScene: WorkingImage;
let blurredScene: WorkingImage;

beforeAll(async () => {
  const jpeg = await scene();
  sharpScene = await decodeWorkingImage(jpeg, 512);
  blurredScene = await decodeWorkingImage(await sharp(jpeg).blur(4).jpeg({ quality: 92 }).toBuffer(), 512);
});

describe('deep embedded mode', () => {
  it('loads the bundled network and head from node_modules with no network at all', async () => {
    const originalFetch = globalThis.fetch;
    const originalConnect = net.Socket.prototype.connect;
    const attempts: string[] = [];
    globalThis.fetch = async (input) => {
      attempts.push(`fetch ${String(input)}`);
      throw new Error('network disabled in this test');
    };
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      attempts.push(`connect ${JSON.stringify(args[0])}`);
      throw new Error('network disabled in this test');
    } as typeof net.Socket.prototype.connect;
    try {
      const { network, head } = await loadDeepScorer();
      expect(network.pooledLength).toBeGreaterThan(1000);
      expect(head.layout.views).toContain('whole');
      expect(attempts).toEqual([]);
    } finally {
      globalThis.fetch = originalFetch;
      net.Socket.prototype.connect = originalConnect;
    }
  });

  it('scores a photo-like image within a bounded time once loaded', async () => {
    await scoreDeep(sharpScene); // warm-up
    const started = performance.now();
    const result = await scoreDeep(sharpScene);
    const elapsed = performance.now() - started;
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(100);
    expect(result.version).toMatch(/^deep-/);
    // ≈ 0.1 s on an idle 2-vCPU machine; generous for a loaded CI runner.
    expect(elapsed).toBeLessThan(2000);
  });

  it('scores thumbnails and panoramas too (views are resized to fit)', async () => {
    for (const [width, height] of [
      [40, 30],
      [2400, 300],
    ]) {
      const bytes = await sharp(await scene())
        .resize(width, height, { fit: 'fill' })
        .jpeg()
        .toBuffer();
      const { score } = await scoreDeep(await decodeWorkingImage(bytes, 512));
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
  });

  it('scores a blurred copy lower than the sharp original', async () => {
    const original = await scoreDeep(sharpScene);
    const blurred = await scoreDeep(blurredScene);
    expect(blurred.score).toBeLessThan(original.score - 5);
  });

  it('gives NSFW class probabilities that sum to 1 and judges an ordinary scene safe', async () => {
    const { nsfw } = await scoreDeep(sharpScene);
    expect(Object.keys(nsfw).sort()).toEqual([...NSFW_CLASS_NAMES].sort());
    const total = Object.values(nsfw).reduce((sum, p) => sum + p, 0);
    expect(total).toBeCloseTo(1, 3);
    const { moderation } = await moderateOffline(sharpScene);
    expect(moderation.level).not.toBe('nsfw');
    expect(moderation.confidence).toBeGreaterThanOrEqual(0);
    expect(moderation.confidence).toBeLessThanOrEqual(100);
  });

  it('reports the moderation through the embedded scorer, and honours configured thresholds', async () => {
    // On this thread: the pool (tests/deep-pool.test.ts) needs the built worker.
    const lenient = inThreadEmbedded({
      mode: 'deep',
      moderation: true,
      moderationThresholds: DEFAULT_MODERATION_THRESHOLDS,
    });
    const strict = inThreadEmbedded({
      mode: 'fast',
      moderation: true,
      moderationThresholds: { nsfw: 0, suggestive: 0 },
    });
    const withoutModeration = inThreadEmbedded({
      mode: 'deep',
      moderation: false,
      moderationThresholds: DEFAULT_MODERATION_THRESHOLDS,
    });
    expect((await lenient.score(sharpScene)).moderation?.level).not.toBe('nsfw');
    expect((await strict.score(sharpScene)).moderation?.level).toBe('nsfw');
    expect((await withoutModeration.score(sharpScene)).moderation).toBeUndefined();
  });
});

describe('moderationFrom', () => {
  const probabilities = (p: Partial<Record<(typeof NSFW_CLASS_NAMES)[number], number>>) => ({
    Drawing: 0,
    Hentai: 0,
    Neutral: 0,
    Porn: 0,
    Sexy: 0,
    ...p,
  });

  it('maps explicit classes to nsfw, sexy to suggestive, the rest to safe (more in nsfw.test.ts)', () => {
    expect(moderationFrom(probabilities({ Porn: 0.75, Hentai: 0.05, Neutral: 0.2 }))).toEqual({
      level: 'nsfw',
      confidence: 75,
      label: 'Porn',
    });
    expect(moderationFrom(probabilities({ Sexy: 0.65, Neutral: 0.35 }))).toEqual({
      level: 'suggestive',
      confidence: 65,
      label: 'Sexy',
    });
    expect(moderationFrom(probabilities({ Drawing: 0.7, Neutral: 0.2, Sexy: 0.1 }))).toEqual({
      level: 'safe',
      confidence: 10,
      label: 'Drawing',
    });
  });
});
