/**
 * Runs a unary call through interceptors, like `runUnaryCall` of
 * `@connectrpc/connect/protocol`, but lean on the hot path: creating an
 * `AbortController` and listening on its signal cost more than the rest of
 * a call, so the call's `AbortSignal` is only created when someone reads it
 * (an interceptor, or an HTTP client of unknown make); the built-in HTTP
 * client watches the call through {@link CallAbort} instead.
 *
 * Semantics follow connect-es: the deadline (`timeoutMs`, ≤ 0 meaning
 * already expired) aborts with `Code.DeadlineExceeded`, the caller's signal
 * with `Code.Canceled` (unless its reason is a `ConnectError`), and a failed
 * call aborts its signal with the error. Unlike connect-es, a successful call
 * leaves its signal alone (nothing is pending once the response is read).
 */
import type { DescMessage } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";

/** The innermost function of a unary call: sends the request. */
export type UnaryFn<I extends DescMessage, O extends DescMessage> = (
  req: UnaryRequest<I, O>,
) => Promise<UnaryResponse<I, O>>;

function signalReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const e = new Error("This operation was aborted");
  e.name = "AbortError";
  return e;
}

/** Abort state of one call, with an `AbortSignal` made on demand. */
export class CallAbort {
  /** Whether the call was aborted. */
  aborted = false;
  /** Why, once aborted. */
  reason: unknown = undefined;
  /** One listener, set by whoever runs the HTTP exchange; called once. */
  onAbort: ((reason: unknown) => void) | undefined = undefined;
  private controller: AbortController | undefined;

  /** The call's signal (created on first access). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** `true` when `signal` is this call's signal. */
  owns(signal: AbortSignal): boolean {
    return this.controller !== undefined && this.controller.signal === signal;
  }

  /** Aborts the call (once). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listener = this.onAbort;
    this.onAbort = undefined;
    listener?.(reason);
  }
}

/**
 * Calls `next` wrapped by `interceptors` (the last interceptor is applied
 * first, as in connect-es) with the deadline and the caller's signal wired
 * to `call`. Failures are `ConnectError`s.
 */
export function runUnary<I extends DescMessage, O extends DescMessage>(opt: {
  req: UnaryRequest<I, O>;
  call: CallAbort;
  next: UnaryFn<I, O>;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  interceptors: readonly Interceptor[] | undefined;
}): Promise<UnaryResponse<I, O>> {
  const { req, call, timeoutMs, signal: userSignal } = opt;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onUserAbort: (() => void) | undefined;
  if (timeoutMs !== undefined) {
    const expire = (): void =>
      call.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    if (timeoutMs <= 0) expire();
    else timer = setTimeout(expire, timeoutMs);
  }
  if (userSignal !== undefined && !call.aborted) {
    if (userSignal.aborted) {
      call.abort(signalReason(userSignal));
    } else {
      onUserAbort = () => call.abort(signalReason(userSignal));
      userSignal.addEventListener("abort", onUserAbort);
    }
  }
  let next = opt.next;
  const interceptors = opt.interceptors;
  if (interceptors !== undefined) {
    for (let i = interceptors.length - 1; i >= 0; i--) {
      next = interceptors[i]!(next as unknown as Parameters<Interceptor>[0]) as unknown as UnaryFn<I, O>;
    }
  }
  let pending: Promise<UnaryResponse<I, O>>;
  try {
    pending = next(req);
  } catch (e) {
    pending = Promise.reject(e);
  }
  if (timer === undefined && onUserAbort === undefined) {
    return pending.then(undefined, (reason: unknown) => Promise.reject(settleError(call, reason)));
  }
  const cleanup = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (onUserAbort !== undefined) userSignal!.removeEventListener("abort", onUserAbort);
  };
  return pending.then(
    (res) => {
      cleanup();
      return res;
    },
    (reason: unknown) => {
      cleanup();
      return Promise.reject(settleError(call, reason));
    },
  );
}

/** The error a failed call rejects with; aborts the call with it. */
function settleError(call: CallAbort, reason: unknown): ConnectError {
  const error = call.aborted
    ? ConnectError.from(call.reason, Code.Canceled)
    : ConnectError.from(reason);
  call.abort(error);
  return error;
}
