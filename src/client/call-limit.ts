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

/** One call waiting for a slot. */
interface Waiter {
  /** Starts the call (it got a slot); false when it already ended while waiting. */
  start(): boolean;
}

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
      if (queue.shift()!.start()) return;
    }
  };

  function run<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    input: MessageInitShape<I>,
    contextValues: ContextValues | undefined,
  ): Promise<UnaryResponse<I, O>> {
    active++;
    let pending: Promise<UnaryResponse<I, O>>;
    try {
      pending = inner.unary(method, signal, timeoutMs, header, input, contextValues);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(release, release);
    return pending;
  }

  function wait<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    input: MessageInitShape<I>,
    contextValues: ContextValues | undefined,
  ): Promise<UnaryResponse<I, O>> {
    if (signal?.aborted) return Promise.reject(canceledError(signal));
    const deadline = timeoutMs !== undefined && Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : undefined;
    if (deadline !== undefined && timeoutMs! <= 0) return Promise.reject(queuedTooLong(method, limit));
    return new Promise<UnaryResponse<I, O>>((resolve, reject) => {
      let ended = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const end = (reason: ConnectError): void => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(reason);
      };
      const onAbort = (): void => end(canceledError(signal!));
      queue.push({
        start() {
          if (ended) return false;
          ended = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          const remaining = deadline === undefined ? timeoutMs : Math.max(1, deadline - Date.now());
          resolve(run(method, signal, remaining, header, input, contextValues));
          return true;
        },
      });
      if (deadline !== undefined) timer = setTimeout(() => end(queuedTooLong(method, limit)), deadline - Date.now());
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      return active < limit && queue.length === 0
        ? run(method, signal, timeoutMs, header, input, contextValues)
        : wait(method, signal, timeoutMs, header, input, contextValues);
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
