/**
 * The exit codes of the `dataportability` command, and the error class
 * that carries one.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/** Exit codes of the CLI (documented in the README and in `--help`). */
export const EXIT = Object.freeze({
  /** Success. */
  ok: 0,
  /** Anything not covered below (a local I/O failure, a bug). */
  other: 1,
  /** Bad command line: unknown command or flag, bad argument value. */
  usage: 2,
  /** Authentication or authorization: no usable credentials, UNAUTHENTICATED, PERMISSION_DENIED. */
  auth: 3,
  /** The API refused the call (any other status), or an export job ended FAILED or CANCELLED. */
  api: 4,
  /** Network or availability: UNAVAILABLE (connection refused, reset, DNS) or DEADLINE_EXCEEDED. */
  network: 5,
  /** Interrupted by SIGINT / SIGTERM (128 + SIGINT). */
  interrupted: 130,
});

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * An error the CLI raises itself: a one-sentence message and the exit code
 * it ends the process with (e.g. a bad flag value is {@link EXIT.usage}).
 */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    /** The exit code. */
    readonly exitCode: ExitCode,
    message: string,
    /** A hint printed after the message, e.g. how to fix it. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A {@link CliError} with {@link EXIT.usage}. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(EXIT.usage, message, hint);
}

/** The exit code of any error the commands may raise. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (!(err instanceof ConnectError)) return EXIT.other;
  switch (err.code) {
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return EXIT.auth;
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return EXIT.network;
    case Code.Canceled:
      return EXIT.interrupted;
    default:
      return EXIT.api;
  }
}
