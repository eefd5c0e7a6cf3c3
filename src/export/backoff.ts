/**
 * Poll scheduling: exponential backoff between GetPortabilityArchiveState
 * calls, and the injectable sleep that lets tests drive a virtual clock.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/**
 * How long to wait between two polls of a job's state: the first wait is
 * `initialMs`, each next one is multiplied by `multiplier`, capped at `maxMs`.
 */
export interface PollBackoff {
  /** The first wait, in milliseconds. */
  readonly initialMs: number;
  /** The factor applied after each wait (>= 1). */
  readonly multiplier: number;
  /** The longest wait, in milliseconds. */
  readonly maxMs: number;
}

/**
 * The production default: 5 minutes, ×1.5, capped at 60 minutes. Google
 * suggests polling every 5 to 60 minutes; jobs take minutes to days.
 */
export const DEFAULT_POLL_BACKOFF: PollBackoff = Object.freeze({
  initialMs: 5 * 60_000,
  multiplier: 1.5,
  maxMs: 60 * 60_000,
});

/**
 * Waits `ms` milliseconds, or rejects when `signal` aborts. Inject your own
 * to advance an emulator's virtual clock instead of waiting, e.g.
 * `async (ms) => emulator.clock.advance(ms)`.
 */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Fills `backoff` from {@link DEFAULT_POLL_BACKOFF} and validates it. */
export function resolvePollBackoff(backoff: Partial<PollBackoff> | undefined): PollBackoff {
  const resolved = { ...DEFAULT_POLL_BACKOFF, ...backoff };
  const bad = (field: string, value: number) =>
    new ConnectError(`invalid poll backoff: ${field} = ${value}`, Code.InvalidArgument);
  if (!Number.isFinite(resolved.initialMs) || resolved.initialMs < 0) throw bad("initialMs", resolved.initialMs);
  if (!Number.isFinite(resolved.multiplier) || resolved.multiplier < 1) throw bad("multiplier", resolved.multiplier);
  if (!(resolved.maxMs >= resolved.initialMs)) throw bad("maxMs", resolved.maxMs);
  return resolved;
}

/** The wait after `delayMs`: multiplied and capped. */
export function nextPollDelay(backoff: PollBackoff, delayMs: number): number {
  return Math.min(delayMs * backoff.multiplier, backoff.maxMs);
}

/** The default {@link SleepFn}: a timer that the signal can cancel. */
export const realSleep: SleepFn = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * The error for an aborted export: the signal's reason when it already is a
 * ConnectError, else `Code.Canceled` (or `Code.DeadlineExceeded` for a
 * timeout signal).
 */
export function abortError(signal: AbortSignal | undefined, what = "export"): ConnectError {
  const reason: unknown = signal?.reason;
  if (reason instanceof ConnectError) return reason;
  const timeout = reason instanceof Error && reason.name === "TimeoutError";
  return new ConnectError(
    `${what} ${timeout ? "timed out" : "was aborted"}`,
    timeout ? Code.DeadlineExceeded : Code.Canceled,
    undefined,
    undefined,
    reason,
  );
}
