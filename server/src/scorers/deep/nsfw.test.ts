import {
  DEFAULT_MODERATION_THRESHOLDS,
  describeModeration,
  lowDetailFrom,
  moderationFrom,
  type NsfwProbabilities,
} from './nsfw';

const probabilities = (p: Partial<NsfwProbabilities>): NsfwProbabilities => ({
  Drawing: 0,
  Hentai: 0,
  Neutral: 0,
  Porn: 0,
  Sexy: 0,
  ...p,
});

describe('offline moderation verdicts', () => {
  it('names the class that decided the verdict, with its own probability', () => {
    const nsfw = moderationFrom(probabilities({ Porn: 0.83, Sexy: 0.1, Neutral: 0.07 }));
    expect(nsfw).toEqual({ level: 'nsfw', confidence: 83, label: 'Porn' });
    expect(describeModeration(nsfw)).toBe('nsfw (Porn 83 %)');

    const drawn = moderationFrom(probabilities({ Hentai: 0.75, Porn: 0.2, Drawing: 0.05 }));
    expect(describeModeration(drawn)).toBe('nsfw (Hentai 75 %)');

    const suggestive = moderationFrom(probabilities({ Sexy: 0.64, Porn: 0.2, Neutral: 0.16 }));
    expect(suggestive).toEqual({ level: 'suggestive', confidence: 64, label: 'Sexy' });
    expect(describeModeration(suggestive)).toBe('suggestive (Sexy 64 %)');
  });

  it('says just safe for a safe verdict, whatever the likeliest safe class', () => {
    const safe = moderationFrom(probabilities({ Neutral: 0.999, Sexy: 0.001 }));
    expect(safe).toMatchObject({ level: 'safe', label: 'Neutral', confidence: 0.1 });
    expect(describeModeration(safe)).toBe('safe');
    expect(moderationFrom(probabilities({ Drawing: 0.7, Neutral: 0.2, Sexy: 0.1 })).label).toBe('Drawing');
  });

  it('does not add the unsafe classes up: doubt spread over them, as on blurred and dark photos, stays safe', () => {
    // The motion-blurred theatre photo of issue 8: Porn + Hentai + Sexy = 60.8 %, none of them strong.
    const spread = probabilities({ Porn: 0.3, Hentai: 0.05, Sexy: 0.258, Neutral: 0.392 });
    expect(moderationFrom(spread).level).toBe('safe');
    // Porn + Hentai ≥ 0.7 was nsfw; split evenly it is not explicit enough for either class.
    expect(moderationFrom(probabilities({ Porn: 0.4, Hentai: 0.35, Neutral: 0.25 })).level).toBe('safe');
  });

  it('applies each threshold to the strongest class, as configured', () => {
    const p = probabilities({ Porn: 0.65, Sexy: 0.3, Neutral: 0.05 });
    expect(moderationFrom(p)).toEqual({ level: 'suggestive', confidence: 65, label: 'Porn' });
    expect(moderationFrom(p, { nsfw: 0.6, suggestive: 0.5 })).toEqual({ level: 'nsfw', confidence: 65, label: 'Porn' });
    expect(moderationFrom(p, { nsfw: 0.9, suggestive: 0.9 }).level).toBe('safe');
    // Thresholds of 0 judge every image NSFW (the policy tests rely on it).
    expect(moderationFrom(probabilities({ Neutral: 1 }), { nsfw: 0, suggestive: 0 }).level).toBe('nsfw');
    expect(DEFAULT_MODERATION_THRESHOLDS.nsfw).toBeGreaterThan(DEFAULT_MODERATION_THRESHOLDS.suggestive);
  });

  it('asks more of a blurred or badly exposed photo, which the network reads as Porn far too often', () => {
    // A baby's portrait in clive-dev (889.JPG): Porn 91 %.
    const p = probabilities({ Porn: 0.91, Neutral: 0.04, Sexy: 0.03, Hentai: 0.02 });
    expect(moderationFrom(p).level).toBe('nsfw');
    expect(moderationFrom(p, DEFAULT_MODERATION_THRESHOLDS, { lowDetail: true }).level).toBe('safe');
    expect(
      moderationFrom(probabilities({ Porn: 0.97, Neutral: 0.03 }), DEFAULT_MODERATION_THRESHOLDS, { lowDetail: true }),
    ).toEqual({
      level: 'nsfw',
      confidence: 97,
      label: 'Porn',
    });
    // lowDetail 0 turns the guard off; an old config without the key gets the default.
    expect(moderationFrom(p, { ...DEFAULT_MODERATION_THRESHOLDS, lowDetail: 0 }, { lowDetail: true }).level).toBe(
      'nsfw',
    );
    expect(moderationFrom(p, { nsfw: 0.7, suggestive: 0.6 }, { lowDetail: true }).level).toBe('safe');

    expect(lowDetailFrom({ sharpness: 30, exposure: 90 })).toBe(true);
    expect(lowDetailFrom({ sharpness: 80, exposure: 20 })).toBe(true);
    expect(lowDetailFrom({ sharpness: 80, exposure: 90 })).toBe(false);
  });
});
