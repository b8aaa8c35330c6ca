import { scoreToClass } from './score-class';

describe('scoreToClass', () => {
  it.each([
    [0, 1],
    [19.9, 1],
    [20, 2],
    [39.9, 2],
    [40, 3],
    [59.9, 3],
    [60, 4],
    [79.9, 4],
    [80, 5],
    [100, 5],
  ])('maps %p to class %p', (score, expected) => {
    expect(scoreToClass(score)).toBe(expected);
  });

  it('clamps scores outside 0–100', () => {
    expect(scoreToClass(-5)).toBe(1);
    expect(scoreToClass(140)).toBe(5);
  });

  it('rejects NaN', () => {
    expect(() => scoreToClass(Number.NaN)).toThrow(RangeError);
  });
});
