import { decide } from './policy';

const settings = { rejectBelow: 40, flagBelow: 60, onScorerError: 'accept' as const };

describe('decide', () => {
  it('refuses below rejectBelow, flags below flagBelow, accepts the rest; a score on a threshold passes it', () => {
    expect(decide(39.9, settings)).toMatchObject({ action: 'reject', reason: 'scored 39.9, below the minimum of 40' });
    expect(decide(40, settings)).toMatchObject({ action: 'accept', status: 'flagged' });
    expect(decide(59.9, settings)).toMatchObject({ action: 'accept', status: 'flagged' });
    expect(decide(60, settings)).toMatchObject({ action: 'accept', status: 'scored' });
  });

  it('with both thresholds off, every score is accepted', () => {
    expect(decide(0, { rejectBelow: null, flagBelow: null, onScorerError: 'accept' })).toMatchObject({
      action: 'accept',
      status: 'scored',
    });
  });

  it('an unscorable image is stored as failed, or refused when the policy says so', () => {
    expect(decide(null, settings, 'HEIC')).toEqual({
      action: 'accept',
      status: 'failed',
      reason: 'stored unscored: HEIC',
    });
    expect(decide(null, { ...settings, onScorerError: 'reject' }, 'HEIC')).toMatchObject({
      action: 'reject',
      reason: expect.stringContaining('could not be scored (HEIC)'),
    });
  });
});
