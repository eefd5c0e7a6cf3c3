/**
 * Runs interceptors around any Transport and enforces the call deadline.
 *
 * @module
 */

import {
  create,
  isMessage,
  type DescMessage,
  type DescMethod,
  type DescMethodStreaming,
  type DescMethodUnary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextKey,
  type ContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createMethodUrl } from "@connectrpc/connect/protocol";
import { callDeadlineKey } from "../retry/call-deadline.js";
import { canceledError, settleWithin } from "./settle-within.js";
import { normalizeTransportError } from "./transport-failure.js";

/** Options of {@link createInterceptedTransport}. */
export interface InterceptedTransportOptions {
  /** Interceptors; as in connect-es, the last one is the innermost. */
  readonly interceptors: readonly Interceptor[];
  /** Deadline of calls that set no `timeoutMs`; undefined for none. */
  readonly defaultTimeoutMs?: number;
  /** Base URL reported as `req.url` (`<baseUrl>/<service>/<method>`). */
  readonly baseUrl: string;
}

type AnyRequest = UnaryRequest | StreamRequest;
type AnyResponse = UnaryResponse | StreamResponse;
/** What `new Headers()` accepts. */
type HeadersInit = ConstructorParameters<typeof Headers>[0];

/**
 * The deadline and abort state of one call. The request's AbortSignal is
 * created only when someone reads it (fresh AbortSignals and their listeners
 * are costly in Node); it aborts with the deadline or the caller's abort.
 */
class CallScope {
  readonly values: ContextValues;
  private readonly deadline: number | undefined;
  private controller: AbortController | undefined;
  private failure: ConnectError | undefined;

  constructor(
    private readonly methodName: string,
    private readonly userSignal: AbortSignal | undefined,
    private readonly timeout: number | undefined,
    contextValues: ContextValues | undefined,
  ) {
    // Never write into a caller's ContextValues: one object may be shared
    // by concurrent calls, each with its own deadline.
    this.values = contextValues === undefined ? createContextValues() : deriveContextValues(contextValues);
    this.deadline = timeout === undefined ? undefined : Date.now() + timeout;
    this.values.set(callDeadlineKey, this.deadline);
  }

  /** The error of a call that is over before it starts (aborted signal, timeout ≤ 0). */
  endedBeforeStart(): ConnectError | undefined {
    if (this.userSignal?.aborted) return canceledError(this.userSignal);
    if (this.timeout !== undefined && this.timeout <= 0) return this.deadlineError();
    return undefined;
  }

  /** The request's signal. */
  signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.failure !== undefined) this.controller.abort(this.failure);
    }
    return this.controller.signal;
  }

  /** Settles `call` by the deadline or the caller's abort, whichever comes first. */
  bound<T>(call: Promise<T>): Promise<T> {
    return settleWithin(call, {
      deadline: this.deadline,
      signal: this.userSignal,
      deadlineError: () => this.deadlineError(),
      onEnd: (reason) => {
        this.failure = reason;
        this.controller?.abort(reason);
      },
    });
  }

  private deadlineError(): ConnectError {
    return new ConnectError(`${this.methodName}: deadline of ${this.timeout} ms exceeded`, Code.DeadlineExceeded);
  }
}

/**
 * Wraps `inner` so that every call runs through `interceptors` and is bounded
 * by its deadline (`timeoutMs` of the call, else `defaultTimeoutMs`):
 * - the absolute deadline is put in the context values (`callDeadlineKey`)
 *   for the retry interceptor, and each attempt gets the remaining time as
 *   its own timeout;
 * - a unary call settles by its deadline (DEADLINE_EXCEEDED) or the user's
 *   abort (CANCELED) whatever the interceptors or the inner transport do,
 *   e.g. while waiting on a token refresh; `req.signal` aborts then too;
 * - a broken connection is UNAVAILABLE on every protocol (see
 *   `normalizeTransportError`).
 *
 * The per-call path adds no event listener of its own except on a signal the
 * caller passed (listeners on fresh AbortSignals are costly in Node).
 */
export function createInterceptedTransport(
  inner: Transport,
  options: InterceptedTransportOptions,
): Transport {
  const { defaultTimeoutMs, baseUrl } = options;
  const interceptors = [...options.interceptors].reverse();
  const urls = new WeakMap<DescMethod, string>();
  const urlOf = (method: DescMethod): string => {
    let url = urls.get(method);
    if (url === undefined) {
      url = createMethodUrl(baseUrl, method);
      urls.set(method, url);
    }
    return url;
  };

  const timeoutOf = (timeoutMs: number | undefined): number | undefined => {
    const t = timeoutMs ?? defaultTimeoutMs;
    return t !== undefined && Number.isFinite(t) ? t : undefined;
  };

  /** The chain for one call; interceptors are applied per call, as connect-es does. */
  function chainFor(core: (req: AnyRequest) => Promise<AnyResponse>): (req: AnyRequest) => Promise<AnyResponse> {
    let next = core;
    for (const i of interceptors) next = i(next as never) as typeof next;
    return next;
  }

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const s = new CallScope(method.name, signal, timeoutOf(timeoutMs), contextValues);
      const early = s.endedBeforeStart();
      if (early !== undefined) {
        return Promise.reject(early);
      }
      const req = {
        stream: false,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: urlOf(method),
        get signal() {
          return s.signal();
        },
        header: new Headers(header),
        contextValues: s.values,
        message: toMessage(method.input, input),
      } satisfies UnaryRequest as UnaryRequest;
      // The inner transport gets the caller's own signal and the remaining
      // time (it enforces that itself), unless an interceptor replaced the
      // request: no extra signal or listener per attempt.
      const core = (r: AnyRequest): Promise<AnyResponse> => {
        if (r.stream) {
          return Promise.reject(new ConnectError(`${r.method.name}: a streaming request reached a unary call`, Code.Internal));
        }
        const attemptSignal = r === req ? signal : r.signal;
        return inner
          .unary(r.method, attemptSignal, remaining(r.contextValues), r.header, r.message, r.contextValues)
          .then(undefined, (e: unknown) => {
            throw normalizeTransportError(e, attemptSignal);
          });
      };
      let call: Promise<AnyResponse>;
      try {
        call = chainFor(core)(req);
      } catch (e) {
        call = Promise.reject(e);
      }
      return s.bound(call) as Promise<UnaryResponse<I, O>>;
    },
    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const s = new CallScope(method.name, signal, timeoutOf(timeoutMs), contextValues);
      const core = (req: AnyRequest): Promise<AnyResponse> =>
        req.stream
          ? inner.stream(req.method, req.signal, remaining(req.contextValues), req.header, req.message, req.contextValues)
          : Promise.reject(new ConnectError(`${req.method.name}: a unary request reached a streaming call`, Code.Internal));
      const req: StreamRequest = {
        stream: true,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: urlOf(method),
        signal: s.signal(),
        header: new Headers(header),
        contextValues: s.values,
        message: normalizeIterable(method.input, input),
      };
      try {
        return chainFor(core)(req) as Promise<StreamResponse<I, O>>;
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}

/** ContextValues that read through to `parent` and keep their own writes. */
function deriveContextValues(parent: ContextValues): ContextValues {
  const own = new Map<symbol, unknown>();
  const derived: ContextValues = {
    get<T>(key: ContextKey<T>): T {
      return own.has(key.id) ? (own.get(key.id) as T) : parent.get(key);
    },
    set<T>(key: ContextKey<T>, value: T) {
      own.set(key.id, value);
      return derived;
    },
    delete(key: ContextKey<unknown>) {
      own.set(key.id, key.defaultValue);
      return derived;
    },
  };
  return derived;
}

function remaining(contextValues: ContextValues): number | undefined {
  const deadline = contextValues.get(callDeadlineKey);
  return deadline === undefined ? undefined : Math.max(1, deadline - Date.now());
}

function toMessage<I extends DescMessage>(schema: I, input: MessageInitShape<I>) {
  return isMessage(input, schema) ? input : create(schema, input);
}

async function* normalizeIterable<I extends DescMessage>(schema: I, input: AsyncIterable<MessageInitShape<I>>) {
  for await (const m of input) yield toMessage(schema, m);
}
