/**
 * The plaintext guard: credentials go over https, or over http to loopback.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * True for loopback host names: `localhost` (and `*.localhost`), any
 * address in 127.0.0.0/8, and `::1` (bracketed or not).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    IPV4_LOOPBACK.test(host) ||
    host === "[::1]" ||
    host === "::1"
  );
}

/**
 * True when credentials may be sent to `url`: https, or http to a loopback
 * host. Anything else (plain http elsewhere, other schemes, unparsable) is
 * false.
 */
export function mayCarryCredentials(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === "https:") {
    return true;
  }
  return parsed.protocol === "http:" && isLoopbackHost(parsed.hostname);
}

/**
 * Throws a ConnectError (FAILED_PRECONDITION) unless credentials may be sent
 * to `url`; `what` names the endpoint in the message ("API base URL",
 * "token endpoint").
 */
export function assertMayCarryCredentials(url: string, what: string): void {
  if (!mayCarryCredentials(url)) {
    throw new ConnectError(
      `refusing to send credentials to the ${what} ${JSON.stringify(originOf(url))}: ` +
        "use https, or plain http only to a loopback host (127.0.0.0/8, ::1, localhost)",
      Code.FailedPrecondition,
    );
  }
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return url.length > 100 ? `${url.slice(0, 100)}…` : url;
  }
}
