import { combine } from './combine';
import type { ScorerOutcome } from '../scorers/types';

const ok = (scorer: string, score: number): ScorerOutcome => ({
  scorer,
  ok: true,
  durationMs: 1,
  score,
  dimensions: {},
  version: '1',
});
const failed = (scorer: string): ScorerOutcome => ({ scorer, ok: false, durationMs: 1, error: 'down' });

describe('combine', () => {
  const outcomes = [failed('vendor'), ok('a', 80), ok('b', 40)];

  it('fallback takes the first scorer in order that succeeded', () => {
    expect(combine(outcomes, 'fallback')).toEqual({ strategy: 'fallback', score: 80, from: ['a'] });
  });

  it('weighted renormalises the weights over the scorers that succeeded', () => {
    expect(combine(outcomes, 'weighted', { vendor: 10, a: 1, b: 3 })).toEqual({
      strategy: 'weighted',
      score: 50,
      from: ['a', 'b'],
    });
  });

  it('min takes the most pessimistic success', () => {
    expect(combine(outcomes, 'min')).toEqual({ strategy: 'min', score: 40, from: ['b'] });
  });

  it('gives no score when every scorer failed', () => {
    expect(combine([failed('a')], 'weighted').score).toBeNull();
  });
});
