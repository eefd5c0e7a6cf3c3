/**
 * Whether, and after how long, a failed attempt is tried again.
 *
 * @module
 */

import { ConnectError } from "@connectrpc/connect";
import { isDataPortabilityQuotaError } from "../errors/data-portability-error.js";
import { computeBackoffMs } from "./backoff.js";
import { requestNotSent } from "./not-sent.js";
import type { RetryPolicy } from "./retry-policy.js";
import { serverRetryDelayMs } from "./server-delay.js";

/**
 * The wait before attempt `attempt + 1`, or undefined when `e` is final:
 * the call was aborted, attempts are used up, the code is not retryable,
 * it is one of the API's quota errors, the method is not idempotent and the
 * request may have reached the server, the server asks for more than
 * `maxServerDelayMs`, or the next attempt could not start before `deadline`
 * (epoch ms). The wait is the longer of the jittered backoff and the
 * server's `Retry-After` / `RetryInfo`.
 */
export function nextRetryDelay(
  e: unknown,
  aborted: boolean,
  policy: RetryPolicy,
  attempt: number,
  deadline: number | undefined,
  random: () => number,
): number | undefined {
  if (
    aborted ||
    attempt >= policy.maxAttempts ||
    !(e instanceof ConnectError) ||
    !policy.retryableCodes.includes(e.code) ||
    isDataPortabilityQuotaError(e) ||
    (!policy.idempotent && !requestNotSent(e))
  ) {
    return undefined;
  }
  const now = Date.now();
  const server = serverRetryDelayMs(e, now);
  if (server !== undefined && server > policy.maxServerDelayMs) {
    return undefined;
  }
  const delay = Math.max(computeBackoffMs(policy, attempt, random), server ?? 0);
  if (deadline !== undefined && now + delay >= deadline) {
    return undefined;
  }
  return delay;
}
