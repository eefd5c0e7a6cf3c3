/**
 * The default HTTP client of the REST transport: an undici `Agent`
 * (keep-alive connection pools, at most `connections` per origin). undici
 * loads on the first request, so importing the package stays cheap.
 *
 * Requests go through the dispatcher's handler interface (raw header lists,
 * no per-call stream objects), which undici 7 drives natively; the version
 * is pinned in package.json.
 */
import type { Agent, Dispatcher } from "undici";
import { headersFromRaw } from "./call-objects.js";
import {
  abortReason,
  asError,
  declaredLength,
  directExchange,
  headerRecord,
  pathStartOf,
  rawText,
  ResponseTooLarge,
  type DirectExchange,
  type DirectHttpClient,
  type DirectRequest,
  type DirectResponse,
} from "./direct-exchange.js";
import type { RestHttpClient, RestHttpRequest, RestHttpResponse } from "./http-client.js";
import type { CallAbort } from "./run-unary.js";

/** Default cap on the connections per origin. */
export const DEFAULT_UNDICI_CONNECTIONS = 256;

/** Options of {@link createUndiciHttpClient}. */
export interface UndiciHttpClientOptions {
  /**
   * Maximum connections per origin (default 256); further requests wait in
   * the pool's queue (their deadline and abort signal still apply).
   */
  connections?: number;
  /**
   * How long an idle keep-alive connection is kept, in milliseconds
   * (default: undici's 4 s, shorter when the server's `Keep-Alive` says so).
   */
  keepAliveTimeoutMs?: number;
  /**
   * Socket and TLS options of new connections (undici's `connect` option),
   * e.g. `{ ca }` to trust a private CA. Certificates are verified unless
   * `rejectUnauthorized: false`.
   */
  connect?: Agent.Options["connect"];
  /**
   * An undici dispatcher to send through instead of an own `Agent` (e.g. a
   * `ProxyAgent`); the options above are then ignored and the caller owns
   * (and closes) it.
   */
  dispatcher?: Dispatcher;
}

type AgentClass = typeof Agent;

let agentClass: Promise<AgentClass> | undefined;

/**
 * undici's `Agent` class. Its own module loads in about a third of the time
 * of undici's package entry (fetch, WebSocket, caches, …); the entry is the
 * fallback should that path ever move.
 */
function loadAgentClass(): Promise<AgentClass> {
  const agentModule: string = "undici/lib/dispatcher/agent.js";
  return (agentClass ??= import(agentModule).then(
    (m: { default: AgentClass }) => m.default,
    () => import("undici").then((m) => m.Agent),
  ));
}

/**
 * undici reports a connection the server closed mid-exchange as
 * `UND_ERR_SOCKET` ("other side closed"); node:http calls that ECONNRESET
 * ("socket hang up"). The node code is what callers (and retry policies)
 * look for, so such errors get it, with undici's error as `cause`.
 */
function normalizeError(e: unknown): unknown {
  if ((e as { code?: unknown } | null)?.code !== "UND_ERR_SOCKET") return e;
  const error = new Error(`socket hang up (${(e as Error).message})`, { cause: e }) as Error & { code: string };
  error.code = "ECONNRESET";
  return error;
}

/** The dispatch options of one request. */
interface DispatchOptions {
  origin: string;
  path: string;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/**
 * Handler of a fast-path exchange: collects the whole body, fails beyond
 * `maxBytes`, follows the call's abort.
 */
class WholeResponse implements Dispatcher.DispatchHandler {
  private abortRequest: ((err?: Error) => void) | undefined;
  private settled = false;
  private reason: unknown;
  private status = 0;
  private rawHeaders: Buffer[] | undefined;
  private first: Buffer | undefined;
  private chunks: Buffer[] | undefined;
  private total = 0;
  private readonly onAbort = (reason: unknown): void => this.fail(reason);

  constructor(
    private readonly call: CallAbort,
    private readonly maxBytes: number,
    private readonly resolve: (response: DirectResponse) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    call.onAbort = this.onAbort;
  }

  /** True once settled. */
  get finished(): boolean {
    return this.settled;
  }

  /** Settles with `reason` and closes the connection (at once, or as soon as it has one). */
  fail(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reason = reason;
    if (this.call.onAbort === this.onAbort) this.call.onAbort = undefined;
    this.reject(reason);
    this.abortRequest?.(asError(reason));
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) abort(asError(this.reason));
    else this.abortRequest = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    if (status < 200 || this.settled) return true;
    this.status = status;
    this.rawHeaders = rawHeaders;
    const declared = declaredLength(rawHeaders);
    if (declared > this.maxBytes) {
      this.fail(new ResponseTooLarge(declared));
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.total += chunk.byteLength;
    if (this.total > this.maxBytes) {
      this.fail(new ResponseTooLarge(undefined));
      return false;
    }
    if (this.first === undefined) this.first = chunk;
    else (this.chunks ??= [this.first]).push(chunk);
    return true;
  }

  onComplete(trailers: (string | Buffer)[] | null): void {
    if (this.settled) return;
    this.settled = true;
    if (this.call.onAbort === this.onAbort) this.call.onAbort = undefined;
    const response: DirectResponse = {
      status: this.status,
      rawHeaders: this.rawHeaders ?? [],
      body: this.chunks !== undefined ? Buffer.concat(this.chunks, this.total) : (this.first ?? new Uint8Array(0)),
      rawTrailers: trailers ?? undefined,
    };
    // undici frees the connection in a setImmediate queued right after this
    // callback returns; resolving after it lets the caller's next request
    // reuse this connection instead of opening another one.
    queueMicrotask(() => setImmediate(this.resolve, response));
  }

  onError(err: Error): void {
    this.fail(normalizeError(err));
  }
}

/** Bytes buffered by a streamed body before undici is asked to pause. */
const STREAM_HIGH_WATER = 64 * 1024;

/**
 * Handler of a streamed exchange ({@link RestHttpClient}): resolves once the
 * headers arrived; the body is an async iterable with backpressure. The
 * request's signal, or leaving the iteration early, destroys the connection.
 */
class StreamedResponse implements Dispatcher.DispatchHandler, AsyncIterator<Uint8Array> {
  private abortRequest: ((err?: Error) => void) | undefined;
  private resumeReading: (() => void) | undefined;
  private responded = false;
  private ended = false;
  private error: { reason: unknown } | undefined;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private waiting: { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void } | undefined;
  private readonly trailer = new Headers();
  private readonly onSignal = (): void => this.stop(abortReason(this.signal));

  constructor(
    private readonly signal: AbortSignal,
    private readonly resolve: (response: RestHttpResponse) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    signal.addEventListener("abort", this.onSignal);
  }

  /** True once the body ended or the exchange failed. */
  get finished(): boolean {
    return this.ended || this.error !== undefined;
  }

  /** Ends the exchange with `reason`: rejects what is pending and closes the connection. */
  stop(reason: unknown): void {
    if (this.ended || this.error !== undefined) return;
    this.error = { reason };
    this.signal.removeEventListener("abort", this.onSignal);
    if (!this.responded) this.reject(reason);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(reason);
    this.abortRequest?.(asError(reason));
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.error !== undefined) abort(asError(this.error.reason));
    else this.abortRequest = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200 || this.error !== undefined) return true;
    this.resumeReading = resume;
    this.responded = true;
    this.resolve({
      status,
      header: headersFromRaw(rawHeaders),
      body: { [Symbol.asyncIterator]: () => this },
      trailer: this.trailer,
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.error !== undefined) return false;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting.resolve({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    if (this.queued < STREAM_HIGH_WATER) return true;
    this.paused = true;
    return false;
  }

  onComplete(trailers: (string | Buffer)[] | null): void {
    if (this.error !== undefined) return;
    this.ended = true;
    this.signal.removeEventListener("abort", this.onSignal);
    if (trailers !== null) {
      for (let i = 0; i + 1 < trailers.length; i += 2) this.trailer.append(rawText(trailers[i]!), rawText(trailers[i + 1]!));
    }
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
  }

  onError(err: Error): void {
    this.stop(normalizeError(err));
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.byteLength;
      if (this.paused && this.queued < STREAM_HIGH_WATER / 2) {
        this.paused = false;
        this.resumeReading?.();
      }
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error.reason);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.ended) {
      const e = new Error("the response body was not read to its end");
      e.name = "AbortError";
      this.stop(e);
    }
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }
}

/**
 * Creates an HTTP client on undici (the REST transport's default): keep-alive
 * connections, at most `connections` (default 256) per origin, TLS verified.
 * Deadlines are the transport's (undici's own header and body timeouts are
 * off). Aborting a request destroys its connection; network errors reject
 * with the underlying error (a refused connection keeps
 * `code: "ECONNREFUSED"`; a connection the server closed mid-exchange has
 * `code: "ECONNRESET"`, undici's error as `cause`); headers undici refuses
 * (CR/LF in a value) reject with its `UND_ERR_INVALID_ARG` before anything
 * is sent.
 */
export function createUndiciHttpClient(options?: UndiciHttpClientOptions): RestHttpClient {
  return createUndiciClient(options);
}

/**
 * {@link createUndiciHttpClient} with the transport's fast path
 * (`directExchange`) visible in the type.
 */
export function createUndiciClient(options: UndiciHttpClientOptions = {}): DirectHttpClient {
  let dispatcher: Dispatcher | undefined = options.dispatcher;
  let loading: Promise<Dispatcher> | undefined;
  let lastOrigin = "";

  function load(): Promise<Dispatcher> {
    return (loading ??= loadAgentClass().then(
      (AgentClass) =>
        (dispatcher = new AgentClass({
          connections: options.connections ?? DEFAULT_UNDICI_CONNECTIONS,
          headersTimeout: 0,
          bodyTimeout: 0,
          ...(options.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: options.keepAliveTimeoutMs } : {}),
          ...(options.connect !== undefined ? { connect: options.connect } : {}),
        })),
    ));
  }

  function dispatchOptions(url: string, method: string, headers: Record<string, string>, body: Uint8Array | undefined): DispatchOptions {
    // undici sets content-length from the body.
    if ("content-length" in headers) delete headers["content-length"];
    const pathStart = pathStartOf(url);
    if (pathStart < 0) {
      return { origin: url, path: "/", method: method as Dispatcher.HttpMethod, headers, body: body ?? null };
    }
    // One origin string for consecutive calls to the same origin.
    const origin =
      pathStart === lastOrigin.length && url.startsWith(lastOrigin) ? lastOrigin : (lastOrigin = url.slice(0, pathStart));
    return { origin, path: url.slice(pathStart), method: method as Dispatcher.HttpMethod, headers, body: body ?? null };
  }

  /** Dispatches `opts` to `handler` once undici is loaded (unless the handler gave up meanwhile). */
  function dispatch(opts: DispatchOptions, handler: WholeResponse | StreamedResponse): void {
    const run = (d: Dispatcher): void => {
      if (handler.finished) return;
      try {
        d.dispatch(opts, handler);
      } catch (e) {
        handler.onError(asError(e));
      }
    };
    if (dispatcher !== undefined) run(dispatcher);
    else load().then(run, (e: unknown) => handler.onError(asError(e)));
  }

  const direct: DirectExchange = (request: DirectRequest, maxBytes: number) => {
    const call = request.call;
    if (call.aborted) return Promise.reject(call.reason);
    const opts = dispatchOptions(request.url, request.method, request.headers, request.body);
    return new Promise<DirectResponse>((resolve, reject) => {
      dispatch(opts, new WholeResponse(call, maxBytes, resolve, reject));
    });
  };

  function stream(request: RestHttpRequest): Promise<RestHttpResponse> {
    const { signal } = request;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const headers = headerRecord(request.header);
    const opts = dispatchOptions(request.url, request.method, headers, request.body);
    return new Promise<RestHttpResponse>((resolve, reject) => {
      dispatch(opts, new StreamedResponse(signal, resolve, reject));
    });
  }

  return Object.assign(stream, { [directExchange]: direct });
}
