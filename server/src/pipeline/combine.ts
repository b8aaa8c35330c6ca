import type { ScorerOutcome } from '../scorers/types';

export type CombineStrategy = 'fallback' | 'weighted' | 'min';

export interface CombinedScore {
  strategy: CombineStrategy;
  /** null when no scorer succeeded. */
  score: number | null;
  /** The scorers whose results went into `score`. */
  from: string[];
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * Turns the outcomes of the scorers, in their configured order, into one 0–100 score.
 * `fallback` takes the first success, `weighted` the weighted mean of the successes
 * (weights renormalised over them), `min` the most pessimistic success.
 */
export function combine(
  outcomes: ScorerOutcome[],
  strategy: CombineStrategy = 'fallback',
  weights: Readonly<Record<string, number>> = {},
): CombinedScore {
  const successes = outcomes.filter(
    (o): o is Extract<ScorerOutcome, { ok: true }> & { score: number } => o.ok && o.score !== null,
  );
  if (successes.length === 0) return { strategy, score: null, from: [] };

  switch (strategy) {
    case 'fallback':
      return { strategy, score: round1(successes[0].score), from: [successes[0].scorer] };
    case 'min': {
      const lowest = successes.reduce((a, b) => (b.score < a.score ? b : a));
      return { strategy, score: round1(lowest.score), from: [lowest.scorer] };
    }
    case 'weighted': {
      const weightOf = (scorer: string): number => weights[scorer] ?? 1;
      const total = successes.reduce((sum, o) => sum + weightOf(o.scorer), 0);
      if (total <= 0) return { strategy, score: null, from: [] };
      const mean = successes.reduce((sum, o) => sum + o.score * weightOf(o.scorer), 0) / total;
      return { strategy, score: round1(mean), from: successes.map((o) => o.scorer) };
    }
  }
}
