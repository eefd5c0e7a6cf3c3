/**
 * The Data Portability client factory.
 *
 * @module
 */

import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { createAuthInterceptor } from "../auth/auth-interceptor.js";
import { assertMayCarryCredentials } from "../auth/secure-url.js";
import { DEFAULT_TOKEN_TIMEOUT_MS } from "../auth/token-endpoint.js";
import {
  createUserCredentials,
  isUserCredentials,
  type DataPortabilityAuth,
  type UserCredentials,
} from "../auth/user-credentials.js";
import { createRetryInterceptor } from "../retry/retry-interceptor.js";
import { createCallLimit } from "./call-limit.js";
import {
  checkBaseUrl,
  checkMaxConcurrentCalls,
  checkQuotaProject,
  checkTimeout,
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  type DataPortabilityClientOptions,
} from "./client-options.js";
import { createClientTransport } from "./client-transport.js";
import { createInterceptedTransport } from "./intercepted-transport.js";
import { createProtocolTransport } from "./protocol-transport.js";
import { resourceNameError } from "./resource-name-guard.js";

/** A typed client of `google.dataportability.v1.DataPortabilityService`. */
export type DataPortabilityClient = Client<typeof DataPortabilityService>;

/** The pieces `createDataPortabilityTransport` is made of. */
export interface DataPortabilityInterceptors {
  /**
   * In connect-es order: user interceptors, the resource-name guard, then
   * retry, then auth (innermost).
   */
  readonly interceptors: Interceptor[];
  /** The credentials the auth interceptor uses (undefined with `auth: false`). */
  readonly credentials: UserCredentials | undefined;
}

const credentialsOf = new WeakMap<object, UserCredentials>();

/** Refuses unary calls whose resource names try to leave their template (see `resourceNameProblem`). */
const resourceNameInterceptor: Interceptor = (next) => (req) => {
  if (!req.stream) {
    const error = resourceNameError(req.method, req.message);
    if (error !== undefined) return Promise.reject(error);
  }
  return next(req);
};

/**
 * Builds the interceptor chain of the client, for use with your own
 * transport: `[...options.interceptors, resource-name guard, retry, auth]`
 * (auth innermost, so each retry attempt gets a fresh token). Pair it with a transport that puts
 * the call deadline in `callDeadlineKey` (as `createDataPortabilityTransport`
 * does) for deadline-aware retries.
 */
export function createDataPortabilityInterceptors(
  options: DataPortabilityClientOptions = {},
): DataPortabilityInterceptors {
  const baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const interceptors: Interceptor[] = [...(options.interceptors ?? []), resourceNameInterceptor];
  if (options.retry !== false) {
    interceptors.push(createRetryInterceptor(options.retry ?? {}));
  }
  const credentials = credentialsFor(options, baseUrl);
  if (credentials !== undefined) {
    interceptors.push(createAuthInterceptor({ auth: credentials, quotaProject: checkQuotaProject(options.quotaProject) }));
  }
  return { interceptors, credentials };
}

/**
 * Creates the client's Transport: the protocol's transport (loaded lazily
 * for gRPC, gRPC-web and Connect), or `options.transport`, with auth,
 * retries and the call deadline (the behaviour of
 * {@link createDataPortabilityInterceptors}, fused for speed), and your
 * interceptors outermost; requests beyond `maxConcurrentCalls` wait in a
 * FIFO queue in front of the protocol's transport. Use it with
 * `createClient` to build your own client.
 *
 * @throws ConnectError INVALID_ARGUMENT for bad options, FAILED_PRECONDITION
 * for credentials without end-user consent or a plain-http non-loopback URL.
 */
export function createDataPortabilityTransport(options: DataPortabilityClientOptions = {}): Transport {
  const baseUrl = checkBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const defaultTimeoutMs = checkTimeout("timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const maxConcurrentCalls = checkMaxConcurrentCalls(options.maxConcurrentCalls);
  const credentials = credentialsFor(options, baseUrl);
  let inner =
    options.transport ??
    createProtocolTransport(options.protocol ?? "rest", {
      baseUrl,
      ...(options.httpVersion !== undefined ? { httpVersion: options.httpVersion } : {}),
    });
  if (maxConcurrentCalls !== Infinity) {
    inner = createCallLimit(inner, maxConcurrentCalls);
  }
  let transport = createClientTransport(inner, {
    credentials,
    quotaProject: checkQuotaProject(options.quotaProject),
    retry: options.retry ?? {},
    defaultTimeoutMs,
  });
  const user = options.interceptors ?? [];
  if (user.length > 0) {
    transport = createInterceptedTransport(transport, { interceptors: user, defaultTimeoutMs, baseUrl });
  }
  if (credentials !== undefined) credentialsOf.set(transport, credentials);
  return transport;
}

/** The credentials of `options` (none with `auth: false`), after the plaintext check. */
function credentialsFor(options: DataPortabilityClientOptions, baseUrl: string): UserCredentials | undefined {
  if (options.auth === false) {
    return undefined;
  }
  assertMayCarryCredentials(baseUrl, "API base URL");
  const auth = options.auth;
  return isUserCredentials(auth)
    ? auth
    : createUserCredentials(auth, {
        tokenTimeoutMs: checkTimeout("tokenTimeoutMs", options.tokenTimeoutMs, DEFAULT_TOKEN_TIMEOUT_MS),
      });
}

/**
 * Creates a typed Data Portability client in one call: protocol, auth,
 * retries and deadlines included.
 *
 * ```ts
 * const client = createDataPortabilityClient({ auth: oauth2Client });
 * const { archiveJobId } = await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
 * ```
 *
 * After a successful `resetAuthorization` the client holds no credentials:
 * every call fails at once with UNAUTHENTICATED until the user consents
 * again and you call {@link setClientCredentials} (or `setCredentials` on the
 * same OAuth2Client, or create a new client).
 */
export function createDataPortabilityClient(options: DataPortabilityClientOptions = {}): DataPortabilityClient {
  const transport = createDataPortabilityTransport(options);
  const client = createClient(DataPortabilityService, transport);
  const credentials = credentialsOf.get(transport);
  if (credentials !== undefined) credentialsOf.set(client, credentials);
  return client;
}

/**
 * Gives a client (or transport) made by this package new credentials, e.g.
 * after new consent following `resetAuthorization`. Leaves the reset state.
 *
 * @throws ConnectError FAILED_PRECONDITION when `clientOrTransport` was not
 * created here or was created with `auth: false`.
 */
export function setClientCredentials(clientOrTransport: object, auth: DataPortabilityAuth): void {
  const credentials = credentialsOf.get(clientOrTransport);
  if (credentials === undefined) {
    throw new ConnectError(
      "setClientCredentials: not a client of createDataPortabilityClient with credentials",
      Code.FailedPrecondition,
    );
  }
  credentials.setCredentials(auth);
}
