/**
 * A cap on the unary calls a transport runs at once, with a FIFO queue.
 *
 * @module
 */

import type { DescMessage, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { canceledError } from "./settle-within.js";

/** What `new Headers()` accepts. */
type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The arguments of `Transport.unary`, kept as one array while a call waits. */
type UnaryArgs = [
  method: DescMethodUnary,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  header: HeadersInit | undefined,
  input: MessageInitShape<DescMessage>,
  contextValues: ContextValues | undefined,
];

/**
 * One call waiting for a slot. A plain object with no closures (the timer
 * gets it as an argument, the signal as an event listener object), since
 * thousands may wait at once.
 */
class Waiter {
  private ended = false;
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly args: UnaryArgs,
    /** Absolute deadline (epoch ms), or undefined for none. */
    readonly deadline: number | undefined,
    readonly limit: number,
    readonly resolve: (response: Promise<UnaryResponse>) => void,
    readonly reject: (reason: ConnectError) => void,
  ) {}

  /** Leaves the wait; false when it had already ended. */
  private leave(): boolean {
    if (this.ended) return false;
    this.ended = true;
    clearTimeout(this.timer);
    this.args[1]?.removeEventListener("abort", this);
    return true;
  }

  /** The signal's abort (EventListenerObject). */
  handleEvent(): void {
    if (this.leave()) this.reject(canceledError(this.args[1]!));
  }

  /** The deadline passed while waiting. */
  expire(): void {
    if (this.leave()) this.reject(queuedTooLong(this.args[0], this.limit));
  }

  /** Hands the call to `run` (it got a slot); false when it already ended while waiting. */
  start(run: (args: UnaryArgs) => Promise<UnaryResponse>): boolean {
    if (!this.leave()) return false;
    const args = this.args;
    if (this.deadline !== undefined) args[2] = Math.max(1, this.deadline - Date.now());
    this.resolve(run(args));
    return true;
  }
}

const expireWaiter = (w: Waiter): void => w.expire();

/** A FIFO queue with O(1) removal from the front. */
class Queue {
  private items: (Waiter | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(w: Waiter): void {
    this.items.push(w);
  }

  shift(): Waiter | undefined {
    if (this.head >= this.items.length) return undefined;
    const w = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

/**
 * Wraps `inner` so that at most `limit` (a positive integer) unary calls run
 * at once; further calls wait in FIFO order. A waiting call still ends at its
 * `timeoutMs` (DEADLINE_EXCEEDED) or when its signal aborts (CANCELED), and
 * leaves the queue then; the time it waited counts against `timeoutMs` (the
 * inner transport gets the remaining time). Streaming calls pass through
 * unlimited (the Data Portability API has none).
 */
export function createCallLimit(inner: Transport, limit: number): Transport {
  const queue = new Queue();
  let active = 0;

  const release = (): void => {
    active--;
    while (active < limit && queue.length > 0) {
      if (queue.shift()!.start(run)) return;
    }
  };

  function run(args: UnaryArgs): Promise<UnaryResponse> {
    active++;
    let pending: Promise<UnaryResponse>;
    try {
      pending = inner.unary(...args);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(release, release);
    return pending;
  }

  function wait(args: UnaryArgs): Promise<UnaryResponse> {
    const [method, signal, timeoutMs] = args;
    if (signal?.aborted) return Promise.reject(canceledError(signal));
    const deadline = timeoutMs !== undefined && Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : undefined;
    if (deadline !== undefined && timeoutMs! <= 0) return Promise.reject(queuedTooLong(method, limit));
    return new Promise<UnaryResponse>((resolve, reject) => {
      const waiter = new Waiter(args, deadline, limit, resolve, reject);
      queue.push(waiter);
      if (deadline !== undefined) waiter.timer = setTimeout(expireWaiter, timeoutMs, waiter);
      signal?.addEventListener("abort", waiter, { once: true });
    });
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
      const args = [method, signal, timeoutMs, header, input, contextValues] as unknown as UnaryArgs;
      const pending = active < limit && queue.length === 0 ? run(args) : wait(args);
      return pending as unknown as Promise<UnaryResponse<I, O>>;
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      return inner.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

function queuedTooLong(method: DescMethodUnary, limit: number): ConnectError {
  return new ConnectError(
    `${method.name}: the deadline passed while waiting for one of the ${limit} request slots (maxConcurrentCalls)`,
    Code.DeadlineExceeded,
  );
}
