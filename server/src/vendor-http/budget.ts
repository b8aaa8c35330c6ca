export interface BudgetLimits {
  perDay?: number;
  perMonth?: number;
}

const day = (now: Date) => now.toISOString().slice(0, 10);
const month = (now: Date) => now.toISOString().slice(0, 7);

/** Paid requests per UTC day and month; `spend` refuses once a limit is reached. */
export function createBudget(limits: BudgetLimits) {
  let today = { key: '', used: 0 };
  let thisMonth = { key: '', used: 0 };
  const roll = (now: Date) => {
    if (today.key !== day(now)) today = { key: day(now), used: 0 };
    if (thisMonth.key !== month(now)) thisMonth = { key: month(now), used: 0 };
  };
  return {
    /** Why the next request may not be made, or undefined when it may. */
    exhausted(now = new Date()): string | undefined {
      roll(now);
      if (limits.perDay !== undefined && today.used >= limits.perDay)
        return `daily budget of ${limits.perDay} requests spent`;
      if (limits.perMonth !== undefined && thisMonth.used >= limits.perMonth)
        return `monthly budget of ${limits.perMonth} requests spent`;
      return undefined;
    },
    spend(now = new Date()): void {
      roll(now);
      today.used += 1;
      thisMonth.used += 1;
    },
    state(now = new Date()) {
      roll(now);
      return { usedToday: today.used, usedThisMonth: thisMonth.used, ...limits };
    },
  };
}
