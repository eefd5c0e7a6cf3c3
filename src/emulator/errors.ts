/**
 * The errors the emulator raises, as ConnectErrors carrying a
 * `google.rpc.ErrorInfo` (always `details[0]`) or a `google.rpc.DebugInfo`.
 * connect-node serializes them per protocol (`grpc-status-details-bin`,
 * Connect JSON), and the REST handler writes Google's JSON envelope.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { DebugInfoSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/** The API's service name, used in auth ErrorInfo metadata. */
export const SERVICE_NAME = "dataportability.googleapis.com";

/** ErrorInfo domain of the API's own errors (a documented guess: the real value was never seen). */
export const API_ERROR_DOMAIN = "dataportability.googleapis.com";

/** ErrorInfo domain of Google front-end auth errors. */
export const AUTH_ERROR_DOMAIN = "googleapis.com";

/** The ErrorInfo reasons the emulator uses. */
export const ErrorReason = {
  /** 401: no `Authorization: Bearer` header. */
  credentialsMissing: "CREDENTIALS_MISSING",
  /** 401: the access token's lifetime has passed on the virtual clock. */
  accessTokenExpired: "ACCESS_TOKEN_EXPIRED",
  /**
   * 401: the access token is unknown or was revoked (by `/revoke` or by a
   * reset). A guess: Google's reason for this case was not seen.
   */
  accessTokenInvalid: "ACCESS_TOKEN_INVALID",
  /** 403: the token holds no `dataportability.*` scope. */
  scopeInsufficient: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
  /** 429: a one-time group was already exported under this consent. */
  exhaustedOneTime: "RESOURCE_EXHAUSTED_ONE_TIME",
  /** 429 (or 400): a time-based group was exported less than 24 h ago. */
  exhaustedTimeBased: "RESOURCE_EXHAUSTED_TIME_BASED",
  /** 409: an identical one-time job is still in progress. */
  alreadyExistsOneTime: "ALREADY_EXISTS_ONE_TIME",
  /** 409: an identical time-based job is still in progress. */
  alreadyExistsTimeBased: "ALREADY_EXISTS_TIME_BASED",
} as const;

function errorInfo(
  message: string,
  code: Code,
  reason: string,
  domain: string,
  metadata: Record<string, string>,
): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: { reason, domain, metadata } },
  ]);
}

function authMetadata(method: string): Record<string, string> {
  return { service: SERVICE_NAME, method };
}

/** 401 UNAUTHENTICATED: the request carries no bearer token. */
export function credentialsMissing(method: string): ConnectError {
  return errorInfo(
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    Code.Unauthenticated,
    ErrorReason.credentialsMissing,
    AUTH_ERROR_DOMAIN,
    authMetadata(method),
  );
}

/** 401 UNAUTHENTICATED: the bearer token is expired, revoked or unknown. */
export function invalidCredentials(method: string, reason: "expired" | "invalid"): ConnectError {
  return errorInfo(
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    Code.Unauthenticated,
    reason === "expired" ? ErrorReason.accessTokenExpired : ErrorReason.accessTokenInvalid,
    AUTH_ERROR_DOMAIN,
    authMetadata(method),
  );
}

/** 403 PERMISSION_DENIED: the token holds no `dataportability.*` scope. */
export function scopeInsufficient(method: string): ConnectError {
  return errorInfo(
    "Request had insufficient authentication scopes.",
    Code.PermissionDenied,
    ErrorReason.scopeInsufficient,
    AUTH_ERROR_DOMAIN,
    authMetadata(method),
  );
}

/** 403 PERMISSION_DENIED with a DebugInfo detail: some requested groups are not in the token. */
export function resourcesNotAuthorized(missing: readonly string[]): ConnectError {
  const message = "The requested resources are not authorized by the OAuth token.";
  return new ConnectError(message, Code.PermissionDenied, undefined, [
    {
      desc: DebugInfoSchema,
      value: {
        detail: `[ORIGINAL ERROR] generic::permission_denied: ${message} Missing resource groups: ${missing.join(", ")} Code: PERMISSION_DENIED`,
      },
    },
  ]);
}

/** 400 INVALID_ARGUMENT with a message naming the field and value. */
export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** 400 FAILED_PRECONDITION. */
export function failedPrecondition(message: string): ConnectError {
  return new ConnectError(message, Code.FailedPrecondition);
}

/** 404 NOT_FOUND for a job id the caller may not see. */
export function jobNotFound(name: string): ConnectError {
  return new ConnectError(`Archive job ${JSON.stringify(name)} was not found.`, Code.NotFound);
}

/** 429 RESOURCE_EXHAUSTED: one-time groups were already exported under this consent. */
export function exhaustedOneTime(groups: readonly string[], previousJobIds: readonly string[]): ConnectError {
  return errorInfo(
    `Requested resources have already been exported with one-time access: ${groups.join(", ")}. Reset the authorization and ask the user for a new consent to export them again.`,
    Code.ResourceExhausted,
    ErrorReason.exhaustedOneTime,
    API_ERROR_DOMAIN,
    { previous_job_ids: previousJobIds.join(",") },
  );
}

/**
 * 429 RESOURCE_EXHAUSTED (observed) or 400 FAILED_PRECONDITION (documented):
 * a time-based group was exported less than the cooldown ago.
 */
export function exhaustedTimeBased(
  groups: readonly string[],
  previousJobIds: readonly string[],
  allowedAfter: string,
  code: Code.ResourceExhausted | Code.FailedPrecondition,
): ConnectError {
  return errorInfo(
    `Requested resources were exported less than 24 hours ago: ${groups.join(", ")}. A new export can be initiated after ${allowedAfter}.`,
    code,
    ErrorReason.exhaustedTimeBased,
    API_ERROR_DOMAIN,
    { previous_job_ids: previousJobIds.join(","), timestamp_after_24hrs: allowedAfter },
  );
}

/** 409 ALREADY_EXISTS: an identical job is still in progress. */
export function jobAlreadyExists(jobId: string, timeBased: boolean): ConnectError {
  return errorInfo(
    `An identical archive job is already in progress: ${jobId}.`,
    Code.AlreadyExists,
    timeBased ? ErrorReason.alreadyExistsTimeBased : ErrorReason.alreadyExistsOneTime,
    API_ERROR_DOMAIN,
    { job_id: jobId },
  );
}
