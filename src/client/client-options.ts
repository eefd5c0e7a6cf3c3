/**
 * Options of the Data Portability client.
 *
 * @module
 */

import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import type { DataPortabilityAuth, UserCredentials } from "../auth/user-credentials.js";
import type { RetryOptions } from "../retry/retry-policy.js";
import type { DataPortabilityProtocol } from "./protocol-transport.js";

/** Google's endpoint of the Data Portability API. */
export const DEFAULT_BASE_URL = "https://dataportability.googleapis.com";

/** Deadline of a call that sets no `timeoutMs` of its own: 60 s. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Most requests a client has on the wire at once by default; further ones
 * wait in a FIFO queue. Chosen by measurement: 10,000 calls started together
 * stay under 150 MB of peak RSS over REST and gRPC, with throughput unchanged.
 */
export const DEFAULT_MAX_CONCURRENT_CALLS = 100;

/** Options of `createDataPortabilityClient` and `createDataPortabilityTransport`. */
export interface DataPortabilityClientOptions {
  /** Wire protocol: "rest" (default, Google's HTTP/JSON API), "grpc", "grpc-web" or "connect". */
  readonly protocol?: DataPortabilityProtocol;
  /** Base URL; default `https://dataportability.googleapis.com`. */
  readonly baseUrl?: string;
  /**
   * End-user credentials: an OAuth2Client / UserRefreshClient, a GoogleAuth
   * resolving to an authorized_user credential, a static access token, or a
   * `UserCredentials` from `createUserCredentials`. Left out: application
   * default credentials, which need the optional peer dependency
   * google-auth-library installed (else the first call fails with
   * FAILED_PRECONDITION saying so). `false`: send no credentials at all.
   */
  readonly auth?: DataPortabilityAuth | UserCredentials | false;
  /** Sends `x-goog-user-project: <quotaProject>`; left out, the header is never sent. */
  readonly quotaProject?: string;
  /** Retry policy overrides (see `DATA_PORTABILITY_RETRY_DEFAULTS`), or `false` for no retries. */
  readonly retry?: RetryOptions | false;
  /**
   * Deadline of each call (all attempts and token refreshes included) when
   * the call options set none; default 60 000 ms, `Infinity` for none.
   */
  readonly timeoutMs?: number;
  /**
   * Your interceptors. They run OUTERMOST: once per logical call, before
   * retries and before credentials are added (they never see the
   * `Authorization` header), and they see the final outcome after retries.
   * As in connect-es, the last one in the array is the innermost of them.
   */
  readonly interceptors?: readonly Interceptor[];
  /**
   * Most requests this client has on the wire at once (default
   * {@link DEFAULT_MAX_CONCURRENT_CALLS}: 100); further requests wait in FIFO
   * order in front of the protocol's transport. A call takes its credentials
   * when it is made, then waits; a retry waits its backoff without holding a
   * place, then queues again. A waiting call still ends at its deadline
   * (DEADLINE_EXCEEDED: the wait counts against `timeoutMs`) or when its
   * signal aborts (CANCELED). `Infinity` disables the limit.
   */
  readonly maxConcurrentCalls?: number;
  /** HTTP version of gRPC-web and Connect (default "1.1"); gRPC always uses HTTP/2. */
  readonly httpVersion?: "1.1" | "2";
  /** Timeout of a token refresh POST (default 15 000 ms). */
  readonly tokenTimeoutMs?: number;
  /**
   * Escape hatch (tests): the bare transport to use instead of the one
   * `protocol` and `baseUrl` select. Auth, retries and deadlines still apply;
   * `baseUrl` is then only used for the plaintext check and `req.url`.
   */
  readonly transport?: Transport;
}

/** Checks `baseUrl`; throws a ConnectError (INVALID_ARGUMENT) naming it. */
export function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConnectError(`baseUrl ${JSON.stringify(baseUrl)} is not a URL`, Code.InvalidArgument);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConnectError(
      `baseUrl must be an http(s) URL; got ${JSON.stringify(url.protocol)}`,
      Code.InvalidArgument,
    );
  }
  return baseUrl.replace(/(?<!\/)\/+$/, ""); // the lookbehind keeps this linear
}

/** Checks `timeoutMs`; throws a ConnectError (INVALID_ARGUMENT) naming it. */
export function checkTimeout(name: string, value: number | undefined, fallback: number): number | undefined {
  const v = value ?? fallback;
  if (typeof v !== "number" || Number.isNaN(v) || v <= 0) {
    throw new ConnectError(`${name} must be a positive number of milliseconds (or Infinity)`, Code.InvalidArgument);
  }
  return Number.isFinite(v) ? v : undefined;
}

/** Checks `maxConcurrentCalls`; throws a ConnectError (INVALID_ARGUMENT) naming it. */
export function checkMaxConcurrentCalls(value: number | undefined): number {
  const v = value ?? DEFAULT_MAX_CONCURRENT_CALLS;
  if (v !== Infinity && !(Number.isSafeInteger(v) && v > 0)) {
    throw new ConnectError("maxConcurrentCalls must be a positive integer (or Infinity)", Code.InvalidArgument);
  }
  return v;
}

/** Checks `quotaProject`; throws a ConnectError (INVALID_ARGUMENT) naming it. */
export function checkQuotaProject(quotaProject: string | undefined): string | undefined {
  if (quotaProject !== undefined && (typeof quotaProject !== "string" || !/^[\x21-\x7e]+$/.test(quotaProject))) {
    throw new ConnectError("quotaProject must be a non-empty project id", Code.InvalidArgument);
  }
  return quotaProject;
}
