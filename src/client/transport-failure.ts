/**
 * One code for a broken connection, whatever the protocol.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/** Node error codes of a connection that broke or could not be made. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
  // A TLS handshake that failed verification: no secure connection could be
  // made (REST reports these as UNAVAILABLE too).
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function hasNetworkCause(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || code.startsWith("ERR_SSL_"))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** `TypeError` messages of `Headers` / HTTP for a header name or value that cannot be sent. */
const INVALID_HEADER = /invalid header (?:name|value)|ByteString|Invalid character in header/i;

/** A ConnectError for a failure that is not one (the original kept as `cause`). */
function notAConnectError(err: unknown): ConnectError {
  if (err instanceof TypeError && INVALID_HEADER.test(err.message)) {
    return new ConnectError(`invalid request header: ${err.message}`, Code.InvalidArgument, undefined, undefined, err);
  }
  return ConnectError.from(err);
}

/**
 * connect-es' messages for a response body that ends inside (or short of) a
 * gRPC / gRPC-web envelope or a declared length. connect-es raises them
 * with INVALID_ARGUMENT, a code that blames the caller's request.
 */
const TRUNCATED_RESPONSE = /^protocol error: (?:incomplete envelope$|promised \d+ bytes)/;

/**
 * Maps a broken connection to UNAVAILABLE, as the REST transport does:
 * connect-node reports a reset socket as ABORTED and a server's HTTP/2
 * RST_STREAM(CANCEL) as CANCELED, so the same failure would otherwise carry
 * a different code per protocol. A truncated response body becomes
 * INTERNAL, as a body that fails to decode is for REST and Connect (connect-es
 * reports a truncated envelope as INVALID_ARGUMENT). A CANCELED the caller
 * caused (`signal` aborted) is left alone. Anything that is not a
 * ConnectError (connect-es rejects a header value with CR/LF with the
 * `TypeError` of `new Headers()`) becomes one: INVALID_ARGUMENT for a header
 * that cannot be sent, UNKNOWN otherwise. The original error stays as `cause`.
 */
export function normalizeTransportError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (!(err instanceof ConnectError)) {
    return notAConnectError(err);
  }
  if (signal?.aborted === true) {
    return err;
  }
  const broken =
    ((err.code === Code.Aborted || err.code === Code.Internal || err.code === Code.Unknown) && hasNetworkCause(err.cause)) ||
    (err.code === Code.Canceled && /^http\/2 stream closed/.test(err.rawMessage));
  if (!broken) {
    if (err.code === Code.InvalidArgument && TRUNCATED_RESPONSE.test(err.rawMessage)) {
      const internal = new ConnectError(`truncated response: ${err.rawMessage}`, Code.Internal, err.metadata, undefined, err);
      internal.details.push(...err.details);
      return internal;
    }
    return err;
  }
  const unavailable = new ConnectError(`connection failed: ${err.rawMessage}`, Code.Unavailable, err.metadata, undefined, err);
  unavailable.details.push(...err.details);
  return unavailable;
}
