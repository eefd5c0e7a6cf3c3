/**
 * Jittered exponential backoff.
 *
 * @module
 */

import type { RetryPolicy } from "./retry-policy.js";

/**
 * The wait before retry number `retry` (1 = first retry):
 * `base = min(maxBackoffMs, initialBackoffMs × backoffMultiplier^(retry−1))`,
 * drawn from `[base × (1 − jitter), base]` with `random()` in [0, 1).
 */
export function computeBackoffMs(
  policy: Pick<RetryPolicy, "initialBackoffMs" | "maxBackoffMs" | "backoffMultiplier" | "jitter">,
  retry: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.maxBackoffMs,
    policy.initialBackoffMs * policy.backoffMultiplier ** Math.max(0, retry - 1),
  );
  return base * (1 - policy.jitter * random());
}
