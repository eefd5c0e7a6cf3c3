/**
 * Abortable sleep.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Resolves after `ms`, or rejects with the signal's reason (as a
 * ConnectError, CANCELED unless the reason says otherwise) once it aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The ConnectError for an aborted signal. */
export function abortError(signal: AbortSignal): ConnectError {
  return ConnectError.from(signal.reason ?? new ConnectError("operation was aborted", Code.Canceled), Code.Canceled);
}
