/**
 * `--verbose`: one block of request lines and one response line per HTTP
 * request, on stderr, with credentials redacted.
 *
 * @module
 */

import { errorInfoOf } from "../errors/index.js";
import { statusNameFromCode } from "../rest/http-status.js";
import { writeLine, type CliStream } from "./io.js";
import { REDACTED, redactSecrets } from "./redact.js";
import type { WireObserver } from "./wire.js";

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-goog-iam-authorization-token"]);

function headerLines(prefix: string, header: Headers, secrets: Iterable<string>): string[] {
  const lines: string[] = [];
  header.forEach((value, name) => {
    const shown = SECRET_HEADERS.has(name) ? `${value.split(" ")[0] ?? ""} ${REDACTED}`.trim() : value;
    lines.push(`${prefix} ${name}: ${redactSecrets(shown, secrets)}`);
  });
  return lines.sort();
}

/**
 * A {@link WireObserver} printing `> POST <url> (HTTP/1.1, REST/JSON) [Rpc]`,
 * the request headers (`authorization: Bearer <redacted>`), then
 * `< OK in 12 ms` or `< UNAUTHENTICATED (reason: …) in 3 ms` and the
 * response headers.
 */
export function createVerboseObserver(stream: CliStream, secrets: Iterable<string>): WireObserver {
  return {
    request(req) {
      const url = redactSecrets(req.url.href, secrets);
      writeLine(stream, `> ${req.httpMethod} ${url} (${req.httpVersion}, ${req.format}) [${req.rpc}]`);
      for (const line of headerLines(">", req.header, secrets)) writeLine(stream, line);
    },
    response(_req, outcome) {
      if (outcome.ok) {
        writeLine(stream, `< OK in ${outcome.elapsedMs} ms`);
        for (const line of headerLines("<", outcome.header, secrets)) writeLine(stream, line);
        return;
      }
      const reason = errorInfoOf(outcome.error)?.reason;
      const status = statusNameFromCode(outcome.error.code) + (reason ? ` (reason: ${reason})` : "");
      writeLine(stream, `< ${status} in ${outcome.elapsedMs} ms`);
    },
  };
}
