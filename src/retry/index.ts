/**
 * Retries for Data Portability calls: jittered exponential backoff that
 * honours `Retry-After` / `google.rpc.RetryInfo`, stays within the call's
 * deadline, and never replays the API's quota errors or non-idempotent
 * calls that may have reached the server.
 *
 * @module
 */

export { createRetryInterceptor, type RetryInterceptorOptions } from "./retry-interceptor.js";
export {
  DEFAULT_RETRY_POLICY,
  DATA_PORTABILITY_RETRY_DEFAULTS,
  createRetryPolicyResolver,
  type RetryPolicy,
  type RetryOptions,
  type DataPortabilityMethodName,
} from "./retry-policy.js";
export { computeBackoffMs } from "./backoff.js";
export { parseRetryAfter, retryInfoDelayMs, serverRetryDelayMs } from "./server-delay.js";
export { requestNotSent } from "./not-sent.js";
export { callDeadlineKey } from "./call-deadline.js";
