import type { PhotoScoreFields } from '../attributes';
import type { ScorerOutcome } from '../scorers/types';
import type { VendorModeration } from '../vendor-http/types';

type Success = Extract<ScorerOutcome, { ok: true }>;

const SEVERITY: Record<VendorModeration['level'], number> = { safe: 0, suggestive: 1, nsfw: 2 };
const MAX_TAGS = 30;

/** A delimited list whose every item, commas included, can be matched with `$contains`. */
const delimited = (items: string[]): string | null => (items.length === 0 ? null : `,${items.join(',')},`);

/** The most severe moderation verdict any vendor gave, with who gave it. */
export function strongestModeration(outcomes: ScorerOutcome[]): (VendorModeration & { by: string }) | undefined {
  return outcomes
    .filter((o): o is Success & { moderation: VendorModeration } => o.ok && o.moderation !== undefined)
    .map((o) => ({ ...o.moderation, by: o.scorer }))
    .sort((a, b) => SEVERITY[b.level] - SEVERITY[a.level] || b.confidence - a.confidence)[0];
}

/** Tags, colours, moderation and faces from every vendor, in columns REST filters can reach. */
export function enrichmentFields(
  outcomes: ScorerOutcome[],
): Pick<PhotoScoreFields, 'photoScoreTags' | 'photoScoreColours' | 'photoScoreModeration' | 'photoScoreFaces'> {
  const successes = outcomes.filter((o): o is Success => o.ok);
  const best = new Map<string, number>();
  for (const tag of successes.flatMap((o) => o.tags ?? [])) {
    const name = tag.name.trim().toLowerCase().replace(/,/g, ' ');
    if (name) best.set(name, Math.max(best.get(name) ?? 0, tag.confidence));
  }
  const tags = [...best]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_TAGS)
    .map(([name]) => name);
  const colours = [...new Set(successes.flatMap((o) => o.colours ?? []).map((c) => c.hex.toLowerCase()))];
  const faces = successes.find((o) => o.faces !== undefined)?.faces;
  return {
    photoScoreTags: delimited(tags),
    photoScoreColours: delimited(colours),
    photoScoreModeration: strongestModeration(outcomes)?.level ?? null,
    photoScoreFaces: faces ?? null,
  };
}
