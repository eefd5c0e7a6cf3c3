/**
 * Retry policies and the per-method defaults of the Data Portability API.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";

/** How one method is retried. */
export interface RetryPolicy {
  /** Attempts in total, the first included (1 = never retry). */
  readonly maxAttempts: number;
  /** Backoff before the first retry, before jitter. */
  readonly initialBackoffMs: number;
  /** Upper bound of the backoff. */
  readonly maxBackoffMs: number;
  /** Growth of the backoff per retry. */
  readonly backoffMultiplier: number;
  /**
   * Jitter as a fraction in [0, 1]: the delay is drawn uniformly from
   * `[backoff × (1 − jitter), backoff]`. 1 is "full jitter", 0 none.
   */
  readonly jitter: number;
  /** Codes that may be retried. */
  readonly retryableCodes: readonly Code[];
  /**
   * Whether replaying the call is harmless. When false the call is retried
   * only if the request certainly never reached the server (connection
   * refused), whatever `retryableCodes` says.
   */
  readonly idempotent: boolean;
  /**
   * Longest server-requested delay (`Retry-After`, `google.rpc.RetryInfo`)
   * the client will wait; a longer one surfaces the error at once.
   */
  readonly maxServerDelayMs: number;
}

/** The six RPC names of `google.dataportability.v1.DataPortabilityService`. */
export type DataPortabilityMethodName =
  | "InitiatePortabilityArchive"
  | "GetPortabilityArchiveState"
  | "RetryPortabilityArchive"
  | "CancelPortabilityArchive"
  | "ResetAuthorization"
  | "CheckAccessType";

/**
 * Retry configuration: fields set at the top level override every method's
 * policy; `methods` overrides (or, with `false`, disables) single methods.
 */
export interface RetryOptions extends Partial<RetryPolicy> {
  /** Per-method overrides, keyed by RPC name; `false` disables retries. */
  readonly methods?: Partial<Record<DataPortabilityMethodName, Partial<RetryPolicy> | false>>;
}

const SERVICE_TYPE_NAME = "google.dataportability.v1.DataPortabilityService";

/**
 * The policy every method starts from (and the policy of methods of other
 * services): up to 5 attempts, backoff 250 ms × 2 up to 16 s with 50 %
 * jitter, only UNAVAILABLE, only when the request was never sent.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialBackoffMs: 250,
  maxBackoffMs: 16_000,
  backoffMultiplier: 2,
  jitter: 0.5,
  retryableCodes: Object.freeze([Code.Unavailable]),
  idempotent: false,
  maxServerDelayMs: 60_000,
});

/**
 * Per-method defaults of the Data Portability API (on top of
 * {@link DEFAULT_RETRY_POLICY}). Quota errors (RESOURCE_EXHAUSTED one-time
 * exhaustion and time-based cooldown, FAILED_PRECONDITION cooldown) and user
 * aborts are never retried, whatever the policy says; every wait honours
 * `Retry-After` / `RetryInfo` and stops before the call's deadline.
 *
 * | method                     | retried on                                 | why |
 * |----------------------------|--------------------------------------------|-----|
 * | GetPortabilityArchiveState | UNAVAILABLE, DEADLINE_EXCEEDED sent by the server | read-only |
 * | CheckAccessType            | UNAVAILABLE                                | read-only (POST without side effects) |
 * | CancelPortabilityArchive   | UNAVAILABLE                                | same end state when replayed; a replay after a lost success may answer FAILED_PRECONDITION (job no longer in progress) |
 * | InitiatePortabilityArchive | UNAVAILABLE, only if the connection was refused | a replay could start a second job and use up one-time access |
 * | RetryPortabilityArchive    | UNAVAILABLE, only if the connection was refused | each retry creates a new job and counts against the limit of 3 |
 * | ResetAuthorization         | UNAVAILABLE, only if the connection was refused | destructive: revokes the token, so a replay would fail with UNAUTHENTICATED |
 */
export const DATA_PORTABILITY_RETRY_DEFAULTS: Readonly<
  Record<DataPortabilityMethodName, Partial<RetryPolicy>>
> = Object.freeze({
  GetPortabilityArchiveState: Object.freeze({
    retryableCodes: Object.freeze([Code.Unavailable, Code.DeadlineExceeded]),
    idempotent: true,
  }),
  CheckAccessType: Object.freeze({ idempotent: true }),
  CancelPortabilityArchive: Object.freeze({ idempotent: true }),
  InitiatePortabilityArchive: Object.freeze({ idempotent: false }),
  RetryPortabilityArchive: Object.freeze({ idempotent: false }),
  ResetAuthorization: Object.freeze({ idempotent: false }),
});

/**
 * Builds the policy lookup for `options`: one policy per method, computed on
 * first use and cached. Returns undefined for methods that are not retried.
 * Throws a ConnectError (INVALID_ARGUMENT) naming the bad field.
 */
export function createRetryPolicyResolver(
  options: RetryOptions = {},
): (method: DescMethod) => RetryPolicy | undefined {
  const { methods = {}, ...global } = options;
  validate(global, "retry");
  for (const [name, override] of Object.entries(methods)) {
    if (override !== false && override !== undefined) {
      validate(override, `retry.methods.${name}`);
    }
  }
  const cache = new WeakMap<DescMethod, RetryPolicy | null>();
  return (method) => {
    let policy = cache.get(method);
    if (policy === undefined) {
      policy = resolve(method, global, methods);
      cache.set(method, policy);
    }
    return policy ?? undefined;
  };
}

function resolve(
  method: DescMethod,
  global: Partial<RetryPolicy>,
  methods: NonNullable<RetryOptions["methods"]>,
): RetryPolicy | null {
  const own = method.parent.typeName === SERVICE_TYPE_NAME;
  const name = method.name as DataPortabilityMethodName;
  const override = own ? methods[name] : undefined;
  if (override === false) {
    return null;
  }
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    ...(own ? DATA_PORTABILITY_RETRY_DEFAULTS[name] : undefined),
    ...global,
    ...override,
  };
  return policy.maxAttempts > 1 ? policy : null;
}

function validate(p: Partial<RetryPolicy>, where: string): void {
  const fail = (field: string, want: string): never => {
    throw new ConnectError(`${where}.${field} must be ${want}`, Code.InvalidArgument);
  };
  const num = (field: keyof RetryPolicy, min: number, max = Infinity, integer = false) => {
    const v = p[field];
    if (v === undefined) return;
    if (typeof v !== "number" || Number.isNaN(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      fail(field, `${integer ? "an integer" : "a number"} in [${min}, ${max}]`);
    }
  };
  num("maxAttempts", 1, Infinity, true);
  num("initialBackoffMs", 0);
  num("maxBackoffMs", 0);
  num("backoffMultiplier", 1);
  num("jitter", 0, 1);
  num("maxServerDelayMs", 0);
  if (p.retryableCodes !== undefined && !Array.isArray(p.retryableCodes)) {
    fail("retryableCodes", "an array of Code values");
  }
  if (p.idempotent !== undefined && typeof p.idempotent !== "boolean") {
    fail("idempotent", "a boolean");
  }
}
