/**
 * How scores, classes and statuses are shown: labels, badge colours, the class of a score.
 * Pure: no React, no Strapi imports.
 */

import type { PhotoScoreStatus, ScoreClass } from '../../../shared/contracts';
import type { ColourToken } from '../components/useColour';

/** `photoScoreClass`, 1 very bad … 5 excellent. */
export type QualityClass = ScoreClass;

export const QUALITY_CLASSES: readonly QualityClass[] = [1, 2, 3, 4, 5];

export const CLASS_LABELS: Readonly<Record<QualityClass, string>> = {
  1: 'very bad',
  2: 'bad',
  3: 'average',
  4: 'good',
  5: 'excellent',
};

/** The server's `scoreToClass`: five 20-point bands, the top one closed. */
export const classOf = (score: number): QualityClass => {
  const clamped = Math.min(100, Math.max(0, score));
  return (Math.min(4, Math.floor(clamped / 20)) + 1) as QualityClass;
};

export const isQualityClass = (value: unknown): value is QualityClass =>
  typeof value === 'number' && (QUALITY_CLASSES as readonly number[]).includes(value);

/**
 * Design-system colour tokens per class, dark text on a light fill so every badge reads at
 * WCAG AA; `bar` is the solid colour of the class in charts.
 */
export const CLASS_COLOURS: Readonly<
  Record<QualityClass, { background: ColourToken; text: ColourToken; bar: ColourToken }>
> = {
  1: { background: 'danger100', text: 'danger700', bar: 'danger500' },
  2: { background: 'warning100', text: 'warning700', bar: 'warning500' },
  3: { background: 'neutral150', text: 'neutral800', bar: 'neutral500' },
  4: { background: 'success100', text: 'success700', bar: 'success500' },
  5: { background: 'primary100', text: 'primary700', bar: 'primary600' },
};

export type StatusVariant = 'success' | 'primary' | 'danger' | 'warning' | 'neutral' | 'secondary' | 'alternative';

/**
 * Every status's badge colour. Typed by the contract's status list, so a new status fails the
 * typecheck here; its keys are also the admin's list of statuses (importing the contract's own
 * list would pull zod into the admin bundle).
 */
export const STATUS_VARIANTS: Readonly<Record<PhotoScoreStatus, StatusVariant>> = {
  scored: 'success',
  approved: 'primary',
  flagged: 'warning',
  rejected: 'danger',
  pending: 'secondary',
  unscored: 'neutral',
  skipped: 'neutral',
  failed: 'danger',
};

export const STATUSES = Object.keys(STATUS_VARIANTS) as PhotoScoreStatus[];

export const statusVariant = (status: string): StatusVariant => {
  const known = STATUSES.find((candidate) => candidate === status);
  return known ? STATUS_VARIANTS[known] : 'neutral';
};

/** One decimal, as the server rounds scores. */
export const formatScore = (score: number): string => (Math.round(score * 10) / 10).toFixed(1);

/** "12 %" from a 0–1 share. */
export const formatShare = (share: number): string => `${Math.round(share * 100)} %`;

/** Dimension names as people read them ("colourfulness" → "Colourfulness"). */
export const dimensionLabel = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
