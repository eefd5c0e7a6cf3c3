/**
 * Counts calls per method (RPC name, "token", "revoke", "download") as they
 * arrive, faulted or not, so tests can assert retries.
 */

/** Per-method call counts. */
export interface CallCounter {
  /** Adds one call of `method`. */
  increment(method: string): void;
  /** Calls of one method so far. */
  count(method: string): number;
  /** Every count, by method. */
  all(): Record<string, number>;
  /** Sets every count back to zero. */
  reset(): void;
}

/** Creates a counter with every count at zero. */
export function createCallCounter(): CallCounter {
  const counts = new Map<string, number>();
  return {
    increment: (method) => void counts.set(method, (counts.get(method) ?? 0) + 1),
    count: (method) => counts.get(method) ?? 0,
    all: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
}
