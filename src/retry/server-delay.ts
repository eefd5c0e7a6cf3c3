/**
 * Delays a server asks for: `Retry-After` and `google.rpc.RetryInfo`.
 *
 * @module
 */

import type { ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/**
 * Parses a `Retry-After` value: delta-seconds (`"7"`, also `"1.5"`) or an
 * HTTP date, relative to `nowMs`. Dates in the past give 0; anything else
 * gives undefined.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  const v = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(v)) {
    return Number(v) * 1000;
  }
  if (!/[a-z]/i.test(v)) {
    return undefined;
  }
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The `google.rpc.RetryInfo.retry_delay` of `err` in ms, if it has one. */
export function retryInfoDelayMs(err: ConnectError): number | undefined {
  if (err.details.length === 0) {
    return undefined;
  }
  const delay = err.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (delay === undefined) {
    return undefined;
  }
  const ms = Number(delay.seconds) * 1000 + delay.nanos / 1e6;
  return ms >= 0 ? ms : undefined;
}

/**
 * The longer of the `Retry-After` header (from `err.metadata`) and the
 * RetryInfo detail, or undefined when the server asked for neither.
 */
export function serverRetryDelayMs(err: ConnectError, nowMs: number): number | undefined {
  const header = parseRetryAfter(err.metadata.get("retry-after"), nowMs);
  const info = retryInfoDelayMs(err);
  if (header === undefined) return info;
  if (info === undefined) return header;
  return Math.max(header, info);
}
