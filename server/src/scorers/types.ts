import type { WorkingImage } from '../prepare/decode';

export interface ScorerOutput {
  /** 0–100, higher is better. */
  score: number;
  /** Named sub-scores, each 0–100. */
  dimensions: Record<string, number>;
  version: string;
}

export interface Scorer {
  id: string;
  score(image: WorkingImage): Promise<ScorerOutput>;
}

export type ScorerOutcome =
  | ({ scorer: string; ok: true; durationMs: number } & ScorerOutput)
  | { scorer: string; ok: false; durationMs: number; error: string };
