/**
 * Typed views of the Data Portability API's own failures.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoOf } from "./error-info.js";
import { parseAfterTimestamp, parseRfc3339 } from "./cooldown-time.js";

/** Fields every typed Data Portability error has. */
export interface DataPortabilityErrorBase {
  /** The ConnectError this view was read from. */
  readonly error: ConnectError;
  /** The error's code, e.g. `Code.ResourceExhausted`. */
  readonly code: Code;
  /** ErrorInfo `reason`, or "" when the error carries no ErrorInfo. */
  readonly reason: string;
  /** ErrorInfo `metadata` (empty when there is none). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * One-time access already used: the resource group was exported once under
 * this consent (`RESOURCE_EXHAUSTED`, reason `RESOURCE_EXHAUSTED_ONE_TIME`).
 * Recovery: reset authorization, get new consent, initiate again.
 */
export interface OneTimeExhaustedError extends DataPortabilityErrorBase {
  readonly kind: "one-time-exhausted";
  /** Jobs that used up the access (`previous_job_ids`). */
  readonly previousJobIds: string[];
}

/**
 * Time-based access used less than 24 h ago. Google's servers answer
 * `RESOURCE_EXHAUSTED` (reason `RESOURCE_EXHAUSTED_TIME_BASED`); the docs say
 * `FAILED_PRECONDITION`. Both are recognised.
 */
export interface TimeBasedCooldownError extends DataPortabilityErrorBase {
  readonly kind: "time-based-cooldown";
  /** Jobs started within the cooldown (`previous_job_ids`). */
  readonly previousJobIds: string[];
  /**
   * When initiating is allowed again: `timestamp_after_24hrs`, else the
   * "after <RFC 3339>" time in the message; undefined if neither is present.
   */
  readonly availableAt: Date | undefined;
}

/**
 * An identical job is still running (`ALREADY_EXISTS`, reasons
 * `ALREADY_EXISTS_ONE_TIME` / `ALREADY_EXISTS_TIME_BASED`). Poll `jobId`.
 */
export interface AlreadyExistsError extends DataPortabilityErrorBase {
  readonly kind: "already-exists";
  /** The running job's ID (`job_id`), undefined if the server sent none. */
  readonly jobId: string | undefined;
  /** The access type named by the reason, if any. */
  readonly accessType: "one-time" | "time-based" | undefined;
}

/**
 * The token holds no Data Portability scope at all (`PERMISSION_DENIED`,
 * reason `ACCESS_TOKEN_SCOPE_INSUFFICIENT`).
 */
export interface MissingScopeError extends DataPortabilityErrorBase {
  readonly kind: "missing-scope";
}

/**
 * A requested resource group's scope is not in the token
 * (`PERMISSION_DENIED`, "The requested resources are not authorized by the
 * OAuth token."). Usually a partial consent.
 */
export interface ResourcesNotAuthorizedError extends DataPortabilityErrorBase {
  readonly kind: "resources-not-authorized";
}

/** Discriminated union (on `kind`) of the API's own failures. */
export type DataPortabilityError =
  | OneTimeExhaustedError
  | TimeBasedCooldownError
  | AlreadyExistsError
  | MissingScopeError
  | ResourcesNotAuthorizedError;

const NOT_AUTHORIZED_MESSAGE = /resources? (?:are|is) not authorized/i;
const noMetadata: Readonly<Record<string, string>> = Object.freeze({});
const cache = new WeakMap<ConnectError, DataPortabilityError | null>();

/**
 * Classifies `err` as one of the Data Portability API's own failures, read
 * from its ErrorInfo (`details[0]`, domain `dataportability.googleapis.com`),
 * or returns undefined (any other error, or not a ConnectError). Pure and
 * cheap; the result is cached per error object.
 */
export function dataPortabilityErrorOf(err: unknown): DataPortabilityError | undefined {
  if (!(err instanceof ConnectError)) {
    return undefined;
  }
  let result = cache.get(err);
  if (result === undefined) {
    result = classify(err) ?? null;
    cache.set(err, result);
  }
  return result ?? undefined;
}

function classify(error: ConnectError): DataPortabilityError | undefined {
  const info = errorInfoOf(error);
  const base = {
    error,
    code: error.code,
    reason: info?.reason ?? "",
    metadata: info?.metadata ?? noMetadata,
  };
  const { reason, metadata } = base;
  switch (error.code) {
    case Code.ResourceExhausted:
    case Code.FailedPrecondition:
      if (error.code === Code.ResourceExhausted && /ONE_TIME$/.test(reason)) {
        return { ...base, kind: "one-time-exhausted", previousJobIds: jobIds(metadata) };
      }
      if (isCooldown(error, reason, metadata)) {
        return {
          ...base,
          kind: "time-based-cooldown",
          previousJobIds: jobIds(metadata),
          availableAt:
            parseRfc3339(metadata["timestamp_after_24hrs"]) ??
            parseAfterTimestamp(error.rawMessage),
        };
      }
      return undefined;
    case Code.AlreadyExists:
      if (!reason.startsWith("ALREADY_EXISTS") && metadata["job_id"] === undefined) {
        return undefined;
      }
      return {
        ...base,
        kind: "already-exists",
        jobId: metadata["job_id"] || undefined,
        accessType: reason.endsWith("ONE_TIME")
          ? "one-time"
          : reason.endsWith("TIME_BASED")
            ? "time-based"
            : undefined,
      };
    case Code.PermissionDenied:
      if (reason === "ACCESS_TOKEN_SCOPE_INSUFFICIENT") {
        return { ...base, kind: "missing-scope" };
      }
      if (/NOT_AUTHORIZED/.test(reason) || NOT_AUTHORIZED_MESSAGE.test(error.rawMessage)) {
        return { ...base, kind: "resources-not-authorized" };
      }
      return undefined;
    default:
      return undefined;
  }
}

function isCooldown(
  error: ConnectError,
  reason: string,
  metadata: Readonly<Record<string, string>>,
): boolean {
  if (reason !== "") {
    return reason.endsWith("TIME_BASED");
  }
  return (
    metadata["timestamp_after_24hrs"] !== undefined ||
    parseAfterTimestamp(error.rawMessage) !== undefined
  );
}

function jobIds(metadata: Readonly<Record<string, string>>): string[] {
  const raw = metadata["previous_job_ids"];
  if (raw === undefined) {
    return [];
  }
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** True for a one-time exhaustion (narrows the union). */
export function isOneTimeExhausted(
  e: DataPortabilityError | undefined,
): e is OneTimeExhaustedError {
  return e?.kind === "one-time-exhausted";
}

/** True for a time-based 24 h cooldown (narrows the union). */
export function isTimeBasedCooldown(
  e: DataPortabilityError | undefined,
): e is TimeBasedCooldownError {
  return e?.kind === "time-based-cooldown";
}

/** True when an identical job is already running (narrows the union). */
export function isAlreadyExists(e: DataPortabilityError | undefined): e is AlreadyExistsError {
  return e?.kind === "already-exists";
}

/** True when the token lacks scopes: missing scope or resources not authorized. */
export function isNotAuthorized(
  e: DataPortabilityError | undefined,
): e is MissingScopeError | ResourcesNotAuthorizedError {
  return e?.kind === "missing-scope" || e?.kind === "resources-not-authorized";
}

/**
 * True when `err` is one of the API's quota errors (one-time exhaustion or
 * time-based cooldown, either status). These must never be retried: only new
 * consent or the passing of the cooldown changes the answer.
 */
export function isDataPortabilityQuotaError(err: unknown): boolean {
  const e = dataPortabilityErrorOf(err);
  return e?.kind === "one-time-exhausted" || e?.kind === "time-based-cooldown";
}
