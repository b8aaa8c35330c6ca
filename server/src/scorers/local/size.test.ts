import sharp from 'sharp';

import { crispPhoto } from '../../../../tests/helpers/images';
import { decodeWorkingImage } from '../../prepare/decode';
import { scoreLocal } from './index';
import {
  applySize,
  DEFAULT_TARGET_MEGAPIXELS,
  modelView,
  MODEL_VIEW_SIDE,
  resolutionReading,
  sizeEffect,
} from './size';

const side = (megapixels: number): number => Math.round(Math.sqrt(megapixels * 1e6));

describe('size rules', () => {
  it('cost nothing at or above the target, 2.5 points per halving below it, monotone in size', () => {
    expect(DEFAULT_TARGET_MEGAPIXELS).toBe(2);
    expect(sizeEffect(4000, 3000).penalty).toBe(0);
    expect(sizeEffect(1000, 500, { targetMegapixels: 0.5 }).penalty).toBe(0);
    expect(sizeEffect(500, 500).penalty).toBeCloseTo(7.5, 5);
    expect(sizeEffect(1000, 1000).penalty).toBeCloseTo(2.5, 5);
    let previous = Infinity;
    for (let megapixels = 12; megapixels > 0.001; megapixels /= 1.5) {
      const effect = sizeEffect(side(megapixels), side(megapixels));
      const score = applySize(90, effect);
      expect(score).toBeLessThanOrEqual(previous);
      previous = score;
    }
  });

  it('let nothing under 0.05 MP score above 40', () => {
    for (const [width, height] of [
      [258, 193],
      [200, 150],
      [64, 64],
      [16, 16],
    ]) {
      expect(applySize(100, sizeEffect(width, height))).toBeLessThanOrEqual(40);
    }
    expect(sizeEffect(64, 64).ceiling).toBeCloseTo(3.9, 1);
    expect(sizeEffect(500, 500).ceiling).toBe(100);
  });

  it('read resolution 0–100 against the target', () => {
    expect(resolutionReading(2)).toBe(100);
    expect(resolutionReading(12)).toBe(100);
    expect(resolutionReading(0.25)).toBe(61);
    expect(resolutionReading(0.01)).toBe(0);
    expect(resolutionReading(0.25, 0.25)).toBe(100);
  });

  it('show the model small images enlarged to the size it was fitted on', () => {
    const data = Buffer.alloc(100 * 50 * 3, 128);
    const small = { data, width: 100, height: 50, originalWidth: 100, originalHeight: 50, format: 'png' };
    const view = modelView(small);
    expect([view.width, view.height]).toEqual([MODEL_VIEW_SIDE, 250]);
    expect(view.data.every((value) => value === 128)).toBe(true);
    const large = { ...small, width: 512, height: 384, data: Buffer.alloc(512 * 384 * 3) };
    expect(modelView(large)).toBe(large);
  });

  it('score a 1/8-size copy of a photo below it, with a resolution reason', async () => {
    const photo = await crispPhoto(2400, 1800);
    const eighth = await sharp(photo).resize(300).jpeg({ quality: 90 }).toBuffer();
    const original = scoreLocal(await decodeWorkingImage(photo));
    const copy = scoreLocal(await decodeWorkingImage(eighth));
    expect(copy.score).toBeLessThan(original.score);
    expect(copy.reasons.resolution).toMatch(/^small: 0\.068 MP \(300×225 px\), below the 2 MP target/);
    expect(original.reasons.resolution).toBeUndefined();
    expect(copy.dimensions.resolution).toBeLessThan(50);
    // The configured target moves where size stops costing.
    const lenient = scoreLocal(await decodeWorkingImage(eighth), { targetMegapixels: 0.1 });
    expect(lenient.score).toBeGreaterThan(copy.score);
  });
});
