import type { WorkingImage } from '../prepare/decode';
import type { VendorColour, VendorModeration, VendorTag } from '../vendor-http/types';

export interface ScorerOutput<Score extends number | null = number | null> {
  /** 0–100, higher is better; null for a scorer that only moderates. */
  score: Score;
  /** Named sub-scores, each 0–100. */
  dimensions: Record<string, number>;
  /** Short human reasons for the dimensions that pull the score down, by dimension name. */
  reasons?: Record<string, string>;
  version: string;
  /** The embedded scorer's offline NSFW verdict, when enabled. */
  moderation?: VendorModeration;
  /** What the score was derived from, kept in the details (e.g. NSFW class probabilities). */
  raw?: unknown;
}

export interface Scorer<Score extends number | null = number | null> {
  id: string;
  score(image: WorkingImage): Promise<ScorerOutput<Score>>;
}

/** What one scorer contributed to an upload's verdict. */
export type ScorerOutcome =
  | {
      scorer: string;
      ok: true;
      durationMs: number;
      /** null for vendors that only tag and moderate. */
      score: number | null;
      dimensions: Record<string, number>;
      reasons?: Record<string, string>;
      version: string;
      tags?: VendorTag[];
      colours?: VendorColour[];
      moderation?: VendorModeration;
      faces?: number;
      /** The vendor's validated answer. */
      raw?: unknown;
      /** Served from the result cache: no request was paid for. */
      cached?: boolean;
    }
  | { scorer: string; ok: false; durationMs: number; error: string; kind?: string };
