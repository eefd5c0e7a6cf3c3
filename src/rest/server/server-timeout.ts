/**
 * The `X-Server-Timeout` request header of Google APIs: the time the server
 * may spend on the request, in seconds (fractions allowed), as sent by
 * Google's client libraries.
 */
import { Code, ConnectError } from "@connectrpc/connect";

const SECONDS = /^[0-9]{1,10}(\.[0-9]{1,9})?$/;

/**
 * Parses an `X-Server-Timeout` value into milliseconds (rounded up);
 * `undefined` when absent. Throws a `ConnectError` (`InvalidArgument`) for a
 * malformed value or one above `maxTimeoutMs`.
 */
export function parseServerTimeout(value: string | null, maxTimeoutMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (!SECONDS.test(text)) {
    throw new ConnectError(
      "invalid X-Server-Timeout header: expected a number of seconds",
      Code.InvalidArgument,
    );
  }
  const timeoutMs = Math.ceil(Number(text) * 1000);
  if (timeoutMs > maxTimeoutMs) {
    throw new ConnectError(
      `X-Server-Timeout of ${timeoutMs}ms exceeds the maximum of ${maxTimeoutMs}ms`,
      Code.InvalidArgument,
    );
  }
  return timeoutMs;
}
