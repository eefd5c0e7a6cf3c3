/**
 * The retry interceptor.
 *
 * @module
 */

import type {
  Interceptor,
  StreamRequest,
  StreamResponse,
  UnaryRequest,
  UnaryResponse,
} from "@connectrpc/connect";
import { callDeadlineKey } from "./call-deadline.js";
import { nextRetryDelay } from "./retry-decision.js";
import { createRetryPolicyResolver, type RetryOptions, type RetryPolicy } from "./retry-policy.js";
import { sleep } from "./sleep.js";

/** Options of {@link createRetryInterceptor}. */
export interface RetryInterceptorOptions extends RetryOptions {
  /** Source of randomness for jitter, `Math.random` by default. */
  readonly random?: () => number;
}

/**
 * Creates an interceptor that retries unary calls with jittered exponential
 * backoff according to the per-method policies (see
 * {@link DATA_PORTABILITY_RETRY_DEFAULTS}). It
 * - waits the longer of its backoff and the server's `Retry-After` header
 *   (seconds or HTTP date, read from `err.metadata`) or
 *   `google.rpc.RetryInfo`;
 * - never waits past the call's deadline (context value `callDeadlineKey`):
 *   when the next attempt could not start before it, the last error is
 *   surfaced at once;
 * - never retries the API's quota errors, aborted calls (user signal or
 *   deadline), or non-idempotent methods unless the connection was refused.
 *
 * Place it outside the auth interceptor so that every attempt gets a fresh
 * `Authorization` header.
 */
export function createRetryInterceptor(options: RetryInterceptorOptions = {}): Interceptor {
  const { random = Math.random, ...retry } = options;
  const policyOf = createRetryPolicyResolver(retry);
  type Next = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;
  const attempt = (next: Next, req: UnaryRequest, policy: RetryPolicy, n: number): Promise<UnaryResponse | StreamResponse> =>
    next(req).then(undefined, (e: unknown) => {
      const delay = nextRetryDelay(e, req.signal.aborted, policy, n, req.contextValues.get(callDeadlineKey), random);
      if (delay === undefined) {
        throw e;
      }
      return sleep(delay, req.signal).then(() => attempt(next, req, policy, n + 1));
    });
  return (next) => (req) => {
    if (req.stream) {
      return next(req);
    }
    const policy = policyOf(req.method);
    return policy === undefined ? next(req) : attempt(next, req, policy, 1);
  };
}
