/**
 * HTTP status ⇄ `Code` tables for REST transcoding.
 */
import { Code } from "@connectrpc/connect";

/**
 * Maps an HTTP status to a `Code` when the response body carries no status
 * (the Google client-library table): 400 invalid_argument, 401
 * unauthenticated, 403 permission_denied, 404 not_found, 409 aborted, 416
 * out_of_range, 429 resource_exhausted, 499 canceled, 501 unimplemented, 503
 * unavailable, 504 deadline_exceeded, other 4xx failed_precondition, other
 * 5xx internal, anything else unknown.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 409:
      return Code.Aborted;
    case 416:
      return Code.OutOfRange;
    case 429:
      return Code.ResourceExhausted;
    case 499:
      return Code.Canceled;
    case 501:
      return Code.Unimplemented;
    case 503:
      return Code.Unavailable;
    case 504:
      return Code.DeadlineExceeded;
  }
  if (status >= 400 && status < 500) return Code.FailedPrecondition;
  if (status >= 500 && status < 600) return Code.Internal;
  return Code.Unknown;
}

/** HTTP status of each code, indexed by code number (google/rpc/code.proto). */
const HTTP_STATUS_BY_CODE: readonly number[] = [
  200, // 0 OK
  499, // 1 CANCELLED
  500, // 2 UNKNOWN
  400, // 3 INVALID_ARGUMENT
  504, // 4 DEADLINE_EXCEEDED
  404, // 5 NOT_FOUND
  409, // 6 ALREADY_EXISTS
  403, // 7 PERMISSION_DENIED
  429, // 8 RESOURCE_EXHAUSTED
  400, // 9 FAILED_PRECONDITION
  409, // 10 ABORTED
  400, // 11 OUT_OF_RANGE
  501, // 12 UNIMPLEMENTED
  500, // 13 INTERNAL
  503, // 14 UNAVAILABLE
  500, // 15 DATA_LOSS
  401, // 16 UNAUTHENTICATED
];

/**
 * Maps a `Code` to its canonical HTTP status (google/rpc/code.proto); a code
 * outside 0..16 maps to 500.
 */
export function httpStatusFromCode(code: Code): number {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}

/** google.rpc.Code enum value names, indexed by code number. */
const STATUS_NAMES: readonly string[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/**
 * The google.rpc.Code enum name of a code (`Code.Canceled` → "CANCELLED"),
 * as written in the `status` field of Google's error envelope. A code
 * outside 0..16 gives "UNKNOWN".
 */
export function statusNameFromCode(code: Code): string {
  return STATUS_NAMES[code] ?? "UNKNOWN";
}

/**
 * The `Code` of a google.rpc.Code enum name ("NOT_FOUND" → `Code.NotFound`).
 * Returns `undefined` for "OK" and for unknown names.
 */
export function codeFromStatusName(name: string): Code | undefined {
  const index = STATUS_NAMES.indexOf(name);
  return index > 0 ? (index as Code) : undefined;
}
