/**
 * The client's own transport: auth, retries and deadlines fused into one
 * per-call object around the protocol's transport.
 *
 * @module
 */

import type {
  DescMessage,
  DescMethod,
  DescMethodStreaming,
  DescMethodUnary,
  MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import type { UserCredentials } from "../auth/user-credentials.js";
import { nextRetryDelay } from "../retry/retry-decision.js";
import { createRetryPolicyResolver, type RetryOptions, type RetryPolicy } from "../retry/retry-policy.js";
import { sleep } from "../retry/sleep.js";
import { resourceNameError } from "./resource-name-guard.js";
import { canceledError, settleWithin } from "./settle-within.js";
import { normalizeTransportError } from "./transport-failure.js";

/** What `new Headers()` accepts. */
type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** Options of {@link createClientTransport}. */
export interface ClientTransportOptions {
  /** End-user credentials; undefined sends none. */
  readonly credentials?: UserCredentials;
  /** `x-goog-user-project` value; undefined sends none. */
  readonly quotaProject?: string;
  /** Retry overrides, or `false` for none. */
  readonly retry?: RetryOptions | false;
  /** Deadline of calls that set no `timeoutMs`; undefined for none. */
  readonly defaultTimeoutMs?: number;
  /** Source of randomness for jitter (tests); `Math.random` by default. */
  readonly random?: () => number;
}

const SERVICE_TYPE_NAME = "google.dataportability.v1.DataPortabilityService";

/** Shared, per-transport state of every call. */
interface Shared {
  readonly inner: Transport;
  readonly credentials: UserCredentials | undefined;
  readonly quotaProject: string | undefined;
  readonly random: () => number;
}

/**
 * Creates the transport `createDataPortabilityClient` uses: the same
 * behaviour as the retry and auth interceptors (see
 * `createDataPortabilityInterceptors`) plus the call deadline, without the
 * generic interceptor machinery on the per-call path:
 * - with a valid cached token a call costs one header object and one
 *   promise chain: no Headers, AbortController, timer or listener of its own
 *   (the protocol's transport enforces the remaining time of each attempt);
 * - a timer and a listener on the caller's signal exist only while waiting
 *   outside the protocol's transport (token refresh), so the call still
 *   settles by its deadline;
 * - retries never wait past the deadline; a broken connection is
 *   UNAVAILABLE on every protocol;
 * - a resource name that tries to leave its template (`..`, `%2e`, `?`,
 *   `#`, CR/LF, …) fails with INVALID_ARGUMENT before anything is sent
 *   (see `resourceNameProblem`).
 */
export function createClientTransport(inner: Transport, options: ClientTransportOptions = {}): Transport {
  const policyOf = options.retry === false ? () => undefined : createRetryPolicyResolver(options.retry ?? {});
  const shared: Shared = {
    inner,
    credentials: options.credentials,
    quotaProject: options.quotaProject,
    random: options.random ?? Math.random,
  };
  const defaultTimeoutMs = options.defaultTimeoutMs;
  const timeoutOf = (timeoutMs: number | undefined): number | undefined => {
    const t = timeoutMs ?? defaultTimeoutMs;
    return t !== undefined && Number.isFinite(t) ? t : undefined;
  };
  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const timeout = timeoutOf(timeoutMs);
      const early = endedBeforeStart(method, signal, timeout) ?? resourceNameError(method, input);
      if (early !== undefined) {
        return Promise.reject(early);
      }
      const call = new UnaryCall(shared, method, policyOf(method), signal, timeout, header, input, contextValues);
      return call.send() as Promise<UnaryResponse<I, O>>;
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const timeout = timeoutOf(timeoutMs);
      const early = endedBeforeStart(method, signal, timeout);
      if (early !== undefined) {
        throw early;
      }
      const auth = shared.credentials === undefined ? undefined : await shared.credentials.authorization();
      return inner.stream(method, signal, timeout, withAuth(header, auth, shared.quotaProject), input, contextValues);
    },
  };
}

/** The error of a call that is over before it starts. */
function endedBeforeStart(method: DescMethod, signal: AbortSignal | undefined, timeout: number | undefined): ConnectError | undefined {
  if (signal?.aborted) {
    return canceledError(signal);
  }
  if (timeout !== undefined && timeout <= 0) {
    return deadlineExceeded(method, timeout);
  }
  return undefined;
}

function deadlineExceeded(method: DescMethod, timeout: number): ConnectError {
  return new ConnectError(`${method.name}: deadline of ${timeout} ms exceeded`, Code.DeadlineExceeded);
}

/** One unary call: its attempts, its one forced refresh, its deadline. */
class UnaryCall {
  private readonly deadline: number | undefined;
  private attempt = 1;
  private replayed = false;
  private sent: string | undefined;

  constructor(
    private readonly shared: Shared,
    private readonly method: DescMethodUnary,
    private readonly policy: RetryPolicy | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly timeout: number | undefined,
    private readonly header: HeadersInit | undefined,
    private readonly input: MessageInitShape<DescMessage>,
    private readonly contextValues: ContextValues | undefined,
  ) {
    this.deadline = timeout === undefined ? undefined : Date.now() + timeout;
  }

  /**
   * Sends the next attempt with the current credentials. Failures to get
   * credentials (token endpoint down) go through the same retry decision as
   * failures of the request.
   */
  send(): Promise<UnaryResponse> {
    const credentials = this.shared.credentials;
    if (credentials === undefined) {
      return this.exchange(undefined);
    }
    const auth = credentials.authorization();
    if (typeof auth === "string") {
      return this.exchange(auth);
    }
    return this.bounded(auth).then(
      (value) => this.exchange(value),
      (e: unknown) => this.failed(e),
    );
  }

  private exchange(auth: string | undefined): Promise<UnaryResponse> {
    this.sent = auth;
    const remaining = this.deadline === undefined ? undefined : Math.max(1, this.deadline - Date.now());
    const header = withAuth(this.header, auth, this.shared.quotaProject);
    let pending: Promise<UnaryResponse>;
    try {
      pending = this.shared.inner.unary(this.method, this.signal, remaining, header, this.input, this.contextValues);
    } catch (e) {
      pending = Promise.reject(e);
    }
    return pending.then(
      (res) => this.succeeded(res),
      (e: unknown) => this.failed(e),
    );
  }

  private succeeded(res: UnaryResponse): UnaryResponse {
    if (this.method.name === "ResetAuthorization" && this.method.parent.typeName === SERVICE_TYPE_NAME) {
      this.shared.credentials?.markReset();
    }
    return res;
  }

  private failed(e: unknown): Promise<UnaryResponse> {
    const err = normalizeTransportError(e, this.signal);
    const aborted = this.signal?.aborted === true;
    const credentials = this.shared.credentials;
    if (
      credentials !== undefined &&
      !this.replayed &&
      !aborted &&
      err instanceof ConnectError &&
      err.code === Code.Unauthenticated &&
      this.sent !== undefined
    ) {
      // Refresh once (joined by concurrent calls) and replay, even when the
      // cached expiry looked valid. PERMISSION_DENIED never gets here.
      this.replayed = true;
      return this.bounded(credentials.recover(this.sent, err)).then(
        (value) => this.exchange(value),
        (refreshError: unknown) => this.failed(refreshError),
      );
    }
    const delay =
      this.policy === undefined
        ? undefined
        : nextRetryDelay(err, aborted, this.policy, this.attempt, this.deadline, this.shared.random);
    if (delay === undefined) {
      return Promise.reject(err);
    }
    this.attempt++;
    this.replayed = false; // each attempt may refresh once, as with the interceptors
    this.sent = undefined;
    return sleep(delay, this.signal).then(() => this.send());
  }

  /** Bounds a wait outside the protocol's transport (token refresh) by the deadline and the caller's abort. */
  private bounded<T>(p: Promise<T>): Promise<T> {
    return settleWithin(p, {
      deadline: this.deadline,
      signal: this.signal,
      deadlineError: () => deadlineExceeded(this.method, this.timeout ?? 0),
    });
  }
}

/**
 * The call's headers with `authorization` (and `x-goog-user-project`) set.
 * A plain object stays a plain object (cheapest for the transports);
 * anything else becomes a Headers copy. The caller's object is never changed.
 */
export function withAuth(
  header: HeadersInit | undefined,
  auth: string | undefined,
  quotaProject: string | undefined,
): HeadersInit | undefined {
  if (auth === undefined && quotaProject === undefined) {
    return header;
  }
  if (header === undefined) {
    if (quotaProject === undefined) return { authorization: auth! };
    return auth === undefined
      ? { "x-goog-user-project": quotaProject }
      : { authorization: auth, "x-goog-user-project": quotaProject };
  }
  if (!Array.isArray(header) && !(header instanceof Headers) && Object.getPrototypeOf(header) === Object.prototype) {
    const record: Record<string, string> = {};
    for (const [key, value] of Object.entries(header as Record<string, string>)) {
      const lower = key.toLowerCase();
      if ((auth !== undefined && lower === "authorization") || (quotaProject !== undefined && lower === "x-goog-user-project")) {
        continue;
      }
      record[key] = value;
    }
    if (auth !== undefined) record["authorization"] = auth;
    if (quotaProject !== undefined) record["x-goog-user-project"] = quotaProject;
    return record;
  }
  const copy = new Headers(header);
  if (auth !== undefined) copy.set("authorization", auth);
  if (quotaProject !== undefined) copy.set("x-goog-user-project", quotaProject);
  return copy;
}
