/**
 * Turns any error into one readable line (plus the API's ErrorInfo reason),
 * or one JSON object with `--json`: never a stack trace, never a token.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { dataPortabilityErrorOf, errorInfoOf } from "../errors/index.js";
import { statusNameFromCode } from "../rest/http-status.js";
import { CliError, EXIT, exitCodeOf, type ExitCode } from "./exit-codes.js";
import { writeLine, type CliStream } from "./io.js";
import { redactSecrets } from "./redact.js";

/** An error as the CLI reports it. */
export interface ErrorReport {
  /**
   * The status name of an RPC error (`UNAUTHENTICATED`, ...); for the CLI's
   * own errors `USAGE` (bad command line), `AUTH` (no usable credentials) or `ERROR`.
   */
  readonly code: string;
  /** The ErrorInfo `reason`, when the API sent one. */
  readonly reason?: string;
  /** One sentence, tokens redacted. */
  readonly message: string;
  /** What to do about it, when the CLI knows. */
  readonly hint?: string;
  /** The exit code the process ends with. */
  readonly exitCode: ExitCode;
}

/** One line, without a leading `[code]` that a wrapped ConnectError message may carry. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/^\[[a-z_]+\]\s*/, "");
}

function hintFor(err: ConnectError): string | undefined {
  const known = dataPortabilityErrorOf(err);
  switch (known?.kind) {
    case "one-time-exhausted":
      return "the one-time access was used: once every job is done and downloaded, run `dataportability reset` and ask the user to consent again";
    case "time-based-cooldown":
      return known.availableAt
        ? `time-based access allows one export per 24 h; try again after ${known.availableAt.toISOString()}`
        : "time-based access allows one export per 24 h; try again later";
    case "already-exists":
      return known.jobId ? `poll the running job: dataportability state ${known.jobId}` : undefined;
    case "missing-scope":
    case "resources-not-authorized":
      return "the user has not consented to these resource groups; ask for consent to their dataportability.* scopes";
  }
  switch (err.code) {
    case Code.Unauthenticated:
      return "the credentials are missing, expired or revoked (ResetAuthorization revokes them): get new consent";
    case Code.Unavailable:
      return "the API could not be reached: check --endpoint and the network";
    case Code.DeadlineExceeded:
      return "the call ran out of time: raise --timeout";
    case Code.Canceled:
      return "interrupted: jobs already started keep running on the server; run the same export again to resume them";
  }
  return undefined;
}

/** Describes `err` for printing; `secrets` are redacted wherever they appear. */
export function describeError(err: unknown, secrets: Iterable<string> = []): ErrorReport {
  const known = [...secrets];
  const clean = (text: string) => redactSecrets(oneLine(text), known);
  const exitCode = exitCodeOf(err);
  if (err instanceof CliError) {
    return {
      code: exitCode === EXIT.usage ? "USAGE" : exitCode === EXIT.auth ? "AUTH" : "ERROR",
      message: clean(err.message),
      ...(err.hint !== undefined ? { hint: clean(err.hint) } : {}),
      exitCode,
    };
  }
  if (err instanceof ConnectError) {
    const reason = errorInfoOf(err)?.reason;
    const hint = hintFor(err);
    return {
      code: statusNameFromCode(err.code),
      ...(reason ? { reason } : {}),
      message: clean(err.rawMessage === "" ? statusNameFromCode(err.code) : err.rawMessage),
      ...(hint !== undefined ? { hint: clean(hint) } : {}),
      exitCode,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: "ERROR", message: clean(message), exitCode };
}

/**
 * The text form: `error: <message> (<CODE>, reason: <REASON>)`, and a
 * `hint: …` line when there is one.
 */
export function formatErrorText(report: ErrorReport): string[] {
  const tag = ["USAGE", "AUTH", "ERROR"].includes(report.code) ? "" : report.code;
  const parts = [tag, report.reason ? `reason: ${report.reason}` : ""].filter((p) => p !== "");
  const lines = [`error: ${report.message}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`];
  if (report.hint !== undefined) lines.push(`hint: ${report.hint}`);
  return lines;
}

/** Prints `err` to `stream` (text lines, or `{"error": …}` with `json`) and returns its exit code. */
export function reportError(
  stream: CliStream,
  err: unknown,
  options: { readonly json: boolean; readonly secrets?: Iterable<string> },
): ExitCode {
  const report = describeError(err, options.secrets);
  if (options.json) writeLine(stream, JSON.stringify({ error: report }));
  else for (const line of formatErrorText(report)) writeLine(stream, line);
  return report.exitCode;
}
