export interface IssuedToken {
  token: string;
  /** Epoch ms after which the token must not be used. */
  expiresAt: number;
}

/**
 * Holds one session token: fetched on first use, renewed shortly before it expires or when
 * the vendor answers 401 (`invalidate`), and shared by concurrent uploads so a burst of
 * uploads logs in once.
 */
export function createTokenCache(issue: (signal: AbortSignal) => Promise<IssuedToken>, renewBeforeMs = 60_000) {
  let current: IssuedToken | undefined;
  let pending: Promise<IssuedToken> | undefined;

  return {
    async get(signal: AbortSignal): Promise<string> {
      if (current && current.expiresAt - renewBeforeMs > Date.now()) return current.token;
      pending ??= issue(signal).finally(() => {
        pending = undefined;
      });
      current = await pending;
      return current.token;
    },
    invalidate(token?: string): void {
      if (token === undefined || current?.token === token) current = undefined;
    },
    /** The token in hand, for redaction. */
    peek(): string | undefined {
      return current?.token;
    },
  };
}

export type TokenCache = ReturnType<typeof createTokenCache>;
