/**
 * `--dry-run`: the exact REST request of a call, built by the library's own
 * request encoder, printed as one `curl` command with the token redacted.
 *
 * @module
 */

import { create, type DescMessage, type DescMethodUnary, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import { encodeRestRequest } from "../rest/index.js";
import { REDACTED } from "./redact.js";

/** Options of {@link dryRunRequest}. */
export interface DryRunOptions {
  /** The API base URL, e.g. `https://dataportability.googleapis.com`. */
  readonly baseUrl: string;
  /** Adds `X-Goog-User-Project: <id>`. */
  readonly quotaProject?: string;
}

/** The request a call would send (token redacted). */
export interface DryRunRequest {
  /** The RPC, e.g. `ResetAuthorization`. */
  readonly rpc: string;
  /** HTTP method. */
  readonly method: string;
  /** Full URL, query included. */
  readonly url: string;
  /** Headers in the order curl gets them. */
  readonly headers: readonly (readonly [string, string])[];
  /** JSON body, or undefined for none. */
  readonly body: string | undefined;
}

/** Quotes `text` for a POSIX shell: `'…'`, with `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The REST request of one call. Method, path, query and body come from
 * `encodeRestRequest`, so they are what the REST transport sends. Headers:
 * Authorization (always `Bearer <redacted>`), X-Goog-User-Project (with
 * `quotaProject`), Content-Type (with a body).
 */
export function dryRunRequest<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  input: MessageInitShape<I>,
  options: DryRunOptions,
): DryRunRequest {
  const encoded = encodeRestRequest(method, create(method.input, input) as Message);
  const headers: [string, string][] = [["Authorization", `Bearer ${REDACTED}`]];
  if (options.quotaProject !== undefined) headers.push(["X-Goog-User-Project", options.quotaProject]);
  if (encoded.body !== undefined) headers.push(["Content-Type", "application/json"]);
  return {
    rpc: method.name,
    method: encoded.httpMethod,
    url: options.baseUrl.replace(/(?<!\/)\/+$/, "") + encoded.path, // linear thanks to the lookbehind
    headers,
    body: encoded.body,
  };
}

/**
 * The request as one curl command, e.g. for ResetAuthorization:
 *
 * `curl -X POST 'https://dataportability.googleapis.com/v1/authorization:reset' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'`
 */
export function curlCommand(request: DryRunRequest): string {
  const parts = ["curl", "-X", request.method, shellQuote(request.url)];
  for (const [name, value] of request.headers) parts.push("-H", shellQuote(`${name}: ${value}`));
  if (request.body !== undefined) parts.push("-d", shellQuote(request.body));
  return parts.join(" ");
}
