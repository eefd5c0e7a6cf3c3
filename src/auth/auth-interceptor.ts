/**
 * The auth interceptor: bearer token, quota project, refresh-and-replay on
 * UNAUTHENTICATED, and the reset lifecycle.
 *
 * @module
 */

import {
  Code,
  ConnectError,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { assertMayCarryCredentials } from "./secure-url.js";
import {
  createUserCredentials,
  isUserCredentials,
  type DataPortabilityAuth,
  type UserCredentials,
} from "./user-credentials.js";

/** Options of {@link createAuthInterceptor}. */
export interface AuthInterceptorOptions {
  /**
   * The credentials: anything {@link DataPortabilityAuth} accepts, or a
   * {@link UserCredentials} (to share one cache between clients or to call
   * `setCredentials` later). Undefined means application default credentials.
   */
  readonly auth?: DataPortabilityAuth | UserCredentials;
  /**
   * Sends `x-goog-user-project` with this project (quota and billing). Left
   * out, no such header is sent, even when the credential names a quota
   * project.
   */
  readonly quotaProject?: string;
}

const SERVICE_TYPE_NAME = "google.dataportability.v1.DataPortabilityService";

/**
 * Creates the auth interceptor. Per call it
 * - refuses (ConnectError FAILED_PRECONDITION, nothing sent) a plain-http URL
 *   that is not loopback;
 * - sets `Authorization: Bearer …` from the cached token (no await while it
 *   is valid) and `x-goog-user-project` only when `quotaProject` is given;
 * - on UNAUTHENTICATED forces one refresh (single-flight) and replays once,
 *   even when the cached expiry looks valid; never refreshes on
 *   PERMISSION_DENIED;
 * - after a successful ResetAuthorization drops the credentials, so later
 *   calls fail at once with UNAUTHENTICATED until `setCredentials`.
 */
export function createAuthInterceptor(options: AuthInterceptorOptions = {}): Interceptor {
  const credentials = isUserCredentials(options.auth)
    ? options.auth
    : createUserCredentials(options.auth);
  const quotaProject = options.quotaProject;
  if (quotaProject !== undefined && !/^[\x21-\x7e]+$/.test(quotaProject)) {
    throw new ConnectError("quotaProject must be a non-empty project id", Code.InvalidArgument);
  }
  let checkedUrl: string | undefined;
  type Next = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

  const send = (next: Next, req: UnaryRequest | StreamRequest, value: string): Promise<UnaryResponse | StreamResponse> => {
    req.header.set("authorization", value);
    if (quotaProject !== undefined) {
      req.header.set("x-goog-user-project", quotaProject);
    }
    if (req.stream) {
      return next(req);
    }
    const sent = next(req).then(undefined, (e: unknown) => replay(next, req, value, e));
    return isReset(req) ? sent.then(afterReset) : sent;
  };

  const replay = (next: Next, req: UnaryRequest, value: string, e: unknown): Promise<UnaryResponse | StreamResponse> => {
    if (!(e instanceof ConnectError) || e.code !== Code.Unauthenticated || req.signal.aborted) {
      throw e;
    }
    return credentials.recover(value, e).then((renewed) => {
      req.header.set("authorization", renewed);
      return next(req);
    });
  };

  const afterReset = <T>(res: T): T => {
    credentials.markReset();
    return res;
  };

  return (next) => (req) => {
    if (req.url !== checkedUrl) {
      try {
        assertMayCarryCredentials(req.url, "API URL");
      } catch (e) {
        return Promise.reject(e);
      }
      checkedUrl = req.url;
    }
    const authorization = credentials.authorization();
    if (typeof authorization === "string") {
      return send(next, req, authorization);
    }
    return authorization.then((value) => send(next, req, value));
  };
}

function isReset(req: UnaryRequest): boolean {
  return req.method.name === "ResetAuthorization" && req.service.typeName === SERVICE_TYPE_NAME;
}
