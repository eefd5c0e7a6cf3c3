/**
 * Bounding a wait by a deadline and the caller's abort.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/** When a wait must end, and what happens then. */
export interface SettleWithin {
  /** Absolute deadline (epoch ms); undefined for none. */
  readonly deadline: number | undefined;
  /** The caller's signal; undefined for none. */
  readonly signal: AbortSignal | undefined;
  /** The error once the deadline passes. */
  deadlineError(): ConnectError;
  /** Called with the error when the deadline or the abort ends the wait. */
  onEnd?(reason: ConnectError): void;
}

/** The CANCELED error of an aborted signal. */
export function canceledError(signal: AbortSignal): ConnectError {
  return ConnectError.from(signal.reason ?? "operation was aborted", Code.Canceled);
}

/**
 * Settles like `p`, or rejects once the deadline passes (DEADLINE_EXCEEDED)
 * or the signal aborts (CANCELED), whichever comes first. The timer and the
 * listener exist only for the wait; `p` is not otherwise affected.
 */
export function settleWithin<T>(p: Promise<T>, bound: SettleWithin): Promise<T> {
  const { deadline, signal } = bound;
  if (deadline === undefined && signal === undefined) {
    return p;
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const cleanup = () => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const end = (reason: ConnectError) => {
      if (done) return;
      cleanup();
      bound.onEnd?.(reason);
      reject(reason);
    };
    const onAbort = () => end(canceledError(signal!));
    if (deadline !== undefined) {
      timer = setTimeout(() => end(bound.deadlineError()), Math.max(0, deadline - Date.now()));
    }
    if (signal !== undefined) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    p.then(
      (v) => {
        if (done) return;
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        if (done) return;
        cleanup();
        reject(e);
      },
    );
  });
}
