/**
 * A connect-es `Transport` that calls unary RPCs over gRPC⇄HTTP/JSON
 * transcoding, following each method's `google.api.http` annotation.
 */
import {
  create,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  type JsonReadOptions,
  type JsonWriteOptions,
  type Message,
  type MessageInitShape,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  type Interceptor,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { errorDetailsRegistry, errorFromJsonBody } from "./error-json.js";
import type { RestHttpClient } from "./http-client.js";
import {
  headersFromRaw,
  RestUnaryRequest,
  RestUnaryResponse,
  type HeaderSource,
} from "./call-objects.js";
import {
  directExchangeOf,
  ResponseTooLarge,
  type DirectExchange,
  type RawHeaderList,
} from "./direct-exchange.js";
import { createUndiciClient } from "./undici-http-client.js";
import { readBody, whenAborted } from "./read-body.js";
import { encodeRestRequest, type RestRequest } from "./request-encoder.js";
import {
  clientIdentity,
  headerRecordOf,
  requestHeaderRecord,
  requestHeaders,
  serverTimeout,
  type HeadersInit,
} from "./request-headers.js";
import { decodeResponseBody } from "./response-decoder.js";
import { CallAbort, runUnary } from "./run-unary.js";

/** Default limit of a response body: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Options of {@link createRestTransport}. */
export interface RestTransportOptions {
  /**
   * Base URL of the REST API, e.g. `https://dataportability.googleapis.com`.
   * May carry a path prefix (`http://127.0.0.1:8080/prefix`); the binding's
   * path is appended to it.
   */
  baseUrl: string;
  /** Interceptors, run as connect-es transports run them. */
  interceptors?: Interceptor[];
  /**
   * proto3 JSON options: write options for request bodies, read options for
   * responses (unknown fields are ignored unless `ignoreUnknownFields` is
   * `false`). The `registry` also resolves error detail types besides the
   * google.rpc error details.
   */
  jsonOptions?: Partial<JsonReadOptions & JsonWriteOptions>;
  /** Timeout of a call when the call options set none, in milliseconds. */
  defaultTimeoutMs?: number;
  /**
   * Maximum size of a response body in bytes (default 32 MiB). A larger body
   * fails the call with `Code.ResourceExhausted` without being buffered and
   * the connection is closed.
   */
  maxResponseBytes?: number;
  /**
   * The HTTP client; default: a keep-alive undici client with at most 256
   * connections per origin (see `createUndiciHttpClient`).
   * `createNodeHttpClient()` gives one on `node:http`/`node:https`.
   */
  httpClient?: RestHttpClient;
  /** Extra product token(s) appended to the `User-Agent` header. */
  userAgent?: string;
}

/** A response read in full, headers possibly still in Node's raw form. */
interface ReadResponse {
  status: number;
  body: Uint8Array;
  header?: Headers | undefined;
  rawHeaders?: RawHeaderList | undefined;
  trailer?: Headers | undefined;
  rawTrailers?: RawHeaderList | undefined;
}

const EMPTY_OBJECT = Buffer.from("{}");

/** UTF-8 of a JSON body (a Buffer, which node:http writes without copying); `{}` is shared. */
function encodeBody(json: string): Uint8Array {
  return json === "{}" ? EMPTY_OBJECT : Buffer.from(json, "utf8");
}

function methodName(method: { parent: { typeName: string }; name: string }): string {
  return `${method.parent.typeName}.${method.name}`;
}

/** Node's and undici's codes for headers or paths they refuse to send. */
function isInvalidRequestError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    (code.startsWith("ERR_INVALID_") ||
      code === "ERR_HTTP_INVALID_HEADER_VALUE" ||
      code === "ERR_UNESCAPED_CHARACTERS" ||
      code === "UND_ERR_INVALID_ARG")
  );
}

/** Maps a failure of the HTTP exchange to a ConnectError (aborts are settled by the runner). */
function transportError(e: unknown, aborted: boolean, name: string): unknown {
  if (aborted || e instanceof ConnectError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = isInvalidRequestError(e) ? Code.InvalidArgument : Code.Unavailable;
  return new ConnectError(`${name}: ${message}`, code, undefined, undefined, e);
}

function tooLarge(name: string, limit: number, size?: number): ConnectError {
  const got = size === undefined ? "more than that" : `${size} bytes`;
  return new ConnectError(
    `${name}: the response body (${got}) exceeds maxResponseBytes = ${limit} bytes`,
    Code.ResourceExhausted,
  );
}

function trimBaseUrl(baseUrl: string): string {
  let end = baseUrl.length;
  while (end > 0 && baseUrl.charCodeAt(end - 1) === 0x2f) end--;
  return baseUrl.slice(0, end);
}

function validateBaseUrl(baseUrl: string): void {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConnectError(`invalid baseUrl "${baseUrl}"`, Code.InvalidArgument);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConnectError(`invalid baseUrl "${baseUrl}": only http: and https: are supported`, Code.InvalidArgument);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConnectError(`invalid baseUrl "${baseUrl}": no query or fragment allowed`, Code.InvalidArgument);
  }
}

/**
 * Creates a connect-es `Transport` that sends unary RPCs as REST requests
 * built from the methods' `google.api.http` annotations (see
 * `encodeRestRequest`), e.g. `resetAuthorization({})` becomes
 * `POST /v1/authorization:reset` with body `{}`.
 *
 * - Interceptors see the request as it will be sent (URL, method, headers
 *   including `content-type`, `user-agent` and `x-goog-api-client`) and the
 *   response headers and trailers. An interceptor may change the message
 *   (the request is encoded again) or the URL.
 * - Requests that cannot be encoded fail with `Code.InvalidArgument` before
 *   anything is sent.
 * - HTTP errors become `ConnectError`s decoded from the JSON error body (see
 *   `errorFromJsonBody`) with the response headers in `metadata`.
 * - Network failures become `Code.Unavailable` with the Node error as
 *   `cause`; deadlines `Code.DeadlineExceeded`; aborts `Code.Canceled`; a
 *   body over `maxResponseBytes` `Code.ResourceExhausted`.
 * - Streaming methods fail with `Code.Unimplemented`.
 */
export function createRestTransport(options: RestTransportOptions): Transport {
  const baseUrl = trimBaseUrl(options.baseUrl);
  if (options.httpClient === undefined) validateBaseUrl(options.baseUrl);
  const httpClient: RestHttpClient = options.httpClient ?? createUndiciClient();
  const direct: DirectExchange | undefined = directExchangeOf(httpClient);
  const interceptors = options.interceptors !== undefined && options.interceptors.length > 0 ? options.interceptors : undefined;
  const jsonOptions = options.jsonOptions;
  const writeOptions: Partial<JsonWriteOptions> | undefined = jsonOptions;
  const readOptions: Partial<JsonReadOptions> = { ignoreUnknownFields: true, ...jsonOptions };
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const identity = clientIdentity(options.userAgent);
  let detailsRegistry: Registry | undefined;
  const makeHeader = (req: HeaderSource): Headers =>
    requestHeaders(req.headerInit, req.hasBody, req.serverTimeout, identity);

  /** Sends through a client of unknown make (or with a signal an interceptor replaced). */
  async function exchangeGeneric(
    req: UnaryRequest,
    call: CallAbort,
    url: string,
    encoded: RestRequest,
    body: Uint8Array | undefined,
    name: string,
  ): Promise<ReadResponse> {
    const signal = req.signal;
    if (body === undefined) req.header.delete("content-type");
    else if (!req.header.has("content-type")) req.header.set("content-type", "application/json");
    const aborted = whenAborted(signal);
    try {
      const res = await Promise.race([
        httpClient({ url, method: encoded.httpMethod, header: req.header, body, signal }),
        aborted,
      ]);
      const limitError = (size?: number): ConnectError => tooLarge(name, maxResponseBytes, size);
      const bytes = await readBody(res, maxResponseBytes, aborted, limitError);
      return { status: res.status, body: bytes, header: res.header, trailer: res.trailer };
    } catch (e) {
      throw transportError(e, signal.aborted || call.aborted, name);
    }
  }

  async function send<I extends DescMessage, O extends DescMessage>(
    req: UnaryRequest<I, O>,
    original: RestUnaryRequest<I, O>,
    passed: UnaryRequest<I, O>,
  ): Promise<UnaryResponse<I, O>> {
    const method = req.method;
    const call = original.call;
    // Encoded again here so that interceptors may change the message; a URL
    // rewritten by an interceptor is kept.
    const encoded = encodeRestRequest(method, req.message as Message, writeOptions);
    const url = req.url === original.url ? baseUrl + encoded.path : req.url;
    const body = encoded.body === undefined ? undefined : encodeBody(encoded.body);
    const untouched = req === passed;
    let res: ReadResponse;
    if (direct !== undefined && (untouched || call.owns(req.signal))) {
      const headers =
        untouched && original.headerObject === undefined
          ? requestHeaderRecord(original.headerInit, body !== undefined, original.serverTimeout, identity)
          : headerRecordOf(req.header, body !== undefined);
      try {
        res = await direct({ url, method: encoded.httpMethod, headers, body, call }, maxResponseBytes);
      } catch (e) {
        if (e instanceof ResponseTooLarge) throw tooLarge(methodName(method), maxResponseBytes, e.size);
        throw transportError(e, call.aborted, methodName(method));
      }
    } else {
      res = await exchangeGeneric(req as unknown as UnaryRequest, call, url, encoded, body, methodName(method));
    }
    if (res.status < 200 || res.status > 299) {
      detailsRegistry ??= errorDetailsRegistry(jsonOptions?.registry);
      const header = res.header ?? headersFromRaw(res.rawHeaders);
      throw errorFromJsonBody(res.status, header, res.body, { registry: detailsRegistry });
    }
    const message = decodeResponseBody(method, encoded.responseBodyField, res.body, readOptions) as MessageShape<O>;
    const response = new RestUnaryResponse(method, message, res.header, res.rawHeaders, res.trailer, res.rawTrailers);
    return interceptors === undefined ? response : response.spreadable();
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
      let message: MessageShape<I>;
      try {
        message = create(method.input, input);
      } catch (e) {
        return Promise.reject(ConnectError.from(e, Code.InvalidArgument));
      }
      let encoded: RestRequest | undefined;
      try {
        encoded = encodeRestRequest(method, message as Message, writeOptions);
      } catch {
        // Raised again inside the interceptor chain, like any send failure.
      }
      const url =
        encoded !== undefined ? baseUrl + encoded.path : `${baseUrl}/${method.parent.typeName}/${method.name}`;
      const deadline = timeoutMs ?? options.defaultTimeoutMs;
      const req = new RestUnaryRequest<I, O>(
        method,
        encoded?.httpMethod ?? "POST",
        url,
        message,
        contextValues,
        new CallAbort(),
        header,
        encoded?.body !== undefined,
        serverTimeout(deadline),
        makeHeader,
      );
      // With interceptors, own accessors keep `{ ...req }` complete.
      const passed = interceptors === undefined ? req : req.spreadable();
      return runUnary<I, O>({
        req: passed,
        call: req.call,
        interceptors,
        signal,
        timeoutMs: deadline,
        next: (r) => send(r, req, passed),
      });
    },

    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
    ): Promise<StreamResponse<I, O>> {
      return Promise.reject(
        new ConnectError(
          `${methodName(method)} is a ${method.methodKind.replace("_", " ")} RPC; REST transcoding supports unary RPCs only`,
          Code.Unimplemented,
        ),
      );
    },
  };
}
