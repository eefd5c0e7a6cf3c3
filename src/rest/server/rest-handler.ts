/**
 * Serves the `google.api.http`-annotated RPCs of connect-es routes over
 * REST with Google-style JSON, on Node.js `http`, `https` and `http2`
 * (including `allowHTTP1`), standalone or as `connectNodeAdapter`'s
 * `fallback`.
 *
 * Decisions where the HttpRule text and the reference servers leave room:
 * - Path values are applied after body and query, so they win over the same
 *   field in a `body: "*"` body (grpc-gateway, vanguard-go, Envoy).
 * - A query key naming a path-bound field or the body field, a singular
 *   field given twice, or two members of one oneof is 400. Field names are
 *   looked up before Google's system parameter names.
 * - A non-empty body must be `application/json` (or carry no
 *   `Content-Type`): otherwise 415, envelope status `INVALID_ARGUMENT`. A
 *   body on a binding without `body` is 400. An empty body is no body.
 * - 405 carries `Allow` and envelope status `UNIMPLEMENTED` (grpc-gateway);
 *   413 carries `INVALID_ARGUMENT` and closes an HTTP/1.x connection.
 * - A malformed `%` escape anywhere in the path is 400, even with a
 *   `fallback`.
 * - Only unary methods are served; a method registered twice keeps the last
 *   registration.
 */
import type { DescMethod, JsonReadOptions, JsonWriteOptions, Registry } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createHandlerContext,
  type ConnectRouter,
  type ContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import { compileBindings } from "../compiled-template.js";
import { errorResponse, httpStatusError, httpStatusOf } from "./error-response.js";
import { collectImplementations, type RegisteredImplementation } from "./implementations.js";
import {
  clientGoneSignal,
  readRequestBody,
  requestHeaders,
  writeResponse,
  type NodeHandlerFn,
  type NodeServerRequest,
  type NodeServerResponse,
} from "./node-http.js";
import {
  compileRoute,
  decodeRequest,
  encodeResponse,
  type RestRoute,
  type RouteSettings,
  type UnarySpec,
} from "./rest-route.js";
import { createRouteTable, type RouteMatch } from "./route-table.js";
import { parseServerTimeout } from "./server-timeout.js";

/** Default of {@link RestHandlerOptions.maxRequestBytes}: 4 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** JSON options of the REST handler. */
export interface RestJsonOptions extends Partial<JsonWriteOptions> {
  /**
   * Registry for `google.protobuf.Any` fields and for error details beyond
   * the google.rpc ones (ErrorInfo, RetryInfo, … are always known).
   */
  registry?: Registry;
  /** Maximum nesting depth of request messages (protobuf-es default: 100). */
  recursionLimit?: number;
}

/** Options of {@link createRestHandler}. */
export interface RestHandlerOptions {
  /**
   * Registers the implementations, exactly like the `routes` given to
   * `connectNodeAdapter` (the same function can serve both). Every
   * registered unary method with a `google.api.http` annotation is served on
   * all its bindings; other methods are ignored.
   */
  routes: (router: ConnectRouter) => void;
  /**
   * Server interceptors applied to every REST call. Interceptors given in the
   * options of `router.service()` / `router.rpc()` replace these for that
   * registration, as in connect-es.
   */
  interceptors?: Interceptor[];
  /**
   * Largest accepted request body in bytes; a larger body is answered with
   * 413 without being buffered. Default {@link DEFAULT_MAX_REQUEST_BYTES}.
   */
  maxRequestBytes?: number;
  /**
   * JSON options. Request bodies are always parsed strictly (unknown fields
   * rejected); write options shape the response JSON.
   */
  jsonOptions?: RestJsonOptions;
  /** Context values for each call, as in `connectNodeAdapter`. */
  contextValues?: (req: NodeServerRequest) => ContextValues;
  /**
   * Aborted to shut the server down gracefully: aborts the signal of every
   * running call.
   */
  shutdownSignal?: AbortSignal;
  /**
   * Largest `X-Server-Timeout` a client may ask for, in milliseconds; a
   * larger one is 400. Default: no limit.
   */
  maxTimeoutMs?: number;
  /**
   * Called instead of answering 404 when no REST route matches the path, so
   * other routes (OAuth, admin) can live beside the REST API.
   */
  fallback?: NodeHandlerFn;
}

/**
 * A Node.js request handler (compatible with `http.RequestListener`, the
 * `http2` compatibility API, and `connectNodeAdapter`'s `fallback`).
 */
export interface RestHandler extends NodeHandlerFn {
  /**
   * `true` if the REST routes answer this request themselves: the path
   * matches a route (for any HTTP method; a wrong method gets 405) or is
   * malformed (400). `false` means 404 or the `fallback`.
   * `rawUrl` is the request target as received (`req.url`).
   */
  matches(httpMethod: string, rawUrl: string): boolean;
  /** The methods served over REST. */
  readonly methods: readonly DescMethod[];
}

function settingsFor(
  options: RestHandlerOptions,
  registration: RegisteredImplementation["options"],
): RouteSettings {
  const json = { ...options.jsonOptions, ...registration?.jsonOptions };
  const readOptions: Partial<JsonReadOptions> = { registry: json.registry, ignoreUnknownFields: false };
  if (json.recursionLimit !== undefined) readOptions.recursionLimit = json.recursionLimit;
  const writeOptions: Partial<JsonWriteOptions> = {
    registry: json.registry,
    alwaysEmitImplicit: json.alwaysEmitImplicit,
    enumAsInteger: json.enumAsInteger,
    useProtoFieldName: json.useProtoFieldName,
  };
  return {
    interceptors: registration?.interceptors ?? options.interceptors ?? [],
    registry: json.registry,
    readOptions,
    writeOptions,
    shutdownSignal: registration?.shutdownSignal ?? options.shutdownSignal,
    maxTimeoutMs: registration?.maxTimeoutMs ?? options.maxTimeoutMs ?? Number.MAX_SAFE_INTEGER,
  };
}

function splitTarget(url: string): { path: string; query: string } {
  const q = url.indexOf("?");
  return q < 0 ? { path: url, query: "" } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

function shortened(text: string): string {
  return text.length > 200 ? text.slice(0, 200) + "…" : text;
}

/** The request URL as the handler context reports it (not normalised). */
function requestUrl(req: NodeServerRequest): string {
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  const authority = ("authority" in req ? req.authority : req.headers.host) ?? "localhost";
  return `${encrypted ? "https" : "http"}://${authority}${req.url ?? ""}`;
}

/**
 * Creates a REST handler for the annotated RPCs registered by
 * `options.routes`. All bindings are compiled here (invalid rules and two
 * bindings that match the same requests throw a `ConnectError`); a request
 * only runs matching and decoding.
 *
 * Per request: the raw path is matched (404 `NOT_FOUND` / 405 with `Allow`
 * / 400 for a malformed escape), the body is read up to
 * `maxRequestBytes` (413), the request message is decoded from body, query
 * and path (400 `INVALID_ARGUMENT`, 415 for a non-JSON body), and the
 * implementation runs with a real `HandlerContext` (`protocolName` "rest",
 * `requestHeader` = the HTTP request headers, `signal` aborted when the
 * client goes away or `X-Server-Timeout` elapses, interceptors applied).
 * Its `responseHeader` becomes HTTP response headers, `responseTrailer`
 * entries are sent as `trailer-<name>` headers. The answer is the proto3
 * JSON of the output (`application/json; charset=utf-8`), or Google's error
 * envelope with the HTTP status of the error's code and its metadata as
 * headers; an error that is not a `ConnectError` becomes 500 "internal error".
 */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const table = createRouteTable<RestRoute>();
  const methods: DescMethod[] = [];
  for (const [method, registered] of collectImplementations(options.routes)) {
    if (registered.spec.kind !== "unary") continue;
    const bindings = compileBindings(method);
    if (bindings.length === 0) continue;
    const settings = settingsFor(options, registered.options);
    for (const binding of bindings) {
      const route = compileRoute(registered.spec as UnarySpec, binding, settings);
      table.add(binding.binding.httpMethod, binding.binding.template, route, () => route.description);
    }
    methods.push(method);
  }
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;

  async function serve(req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
    const httpMethod = req.method ?? "";
    const { path, query } = splitTarget(req.url ?? "");
    let found: RouteMatch<RestRoute>;
    try {
      found = table.match(httpMethod, path);
    } catch (e) {
      respondWithError(req, res, e, undefined);
      return;
    }
    if (found.kind === "notFound") {
      if (options.fallback !== undefined) {
        options.fallback(req, res);
        return;
      }
      const message = `no REST route for ${httpMethod} ${shortened(path)}`;
      respondWithError(req, res, new ConnectError(message, Code.NotFound), undefined);
      return;
    }
    if (found.kind === "methodNotAllowed") {
      const error = httpStatusError(
        405,
        `HTTP method ${httpMethod} is not allowed for this path (allowed: ${found.allowed.join(", ")})`,
        Code.Unimplemented,
      );
      error.metadata.set("allow", found.allowed.join(", "));
      respondWithError(req, res, error, undefined);
      return;
    }
    const route = found.target;
    const header = requestHeaders(req);
    let timeoutMs: number | undefined;
    let body: Uint8Array;
    try {
      timeoutMs = parseServerTimeout(header.get("x-server-timeout"), route.settings.maxTimeoutMs);
      body = await readRequestBody(req, limit);
    } catch (e) {
      respondWithError(req, res, e, route, httpStatusOf(e) === 413);
      return;
    }
    const context = createHandlerContext({
      service: route.method.parent,
      method: route.method,
      protocolName: "rest",
      requestMethod: httpMethod,
      url: requestUrl(req),
      timeoutMs,
      shutdownSignal: route.settings.shutdownSignal,
      requestSignal: clientGoneSignal(res),
      requestHeader: header,
      contextValues: options.contextValues?.(req),
    });
    let status = 200;
    let responseBody: Uint8Array;
    let responseHeader: Headers;
    try {
      const input = decodeRequest(route, found.segments, query, body, header.get("content-type"));
      const output = await invokeUnaryImplementation(route.spec, context, input, route.settings.interceptors);
      responseBody = encodeResponse(route, output);
      responseHeader = withTrailers(context.responseHeader, context.responseTrailer);
      responseHeader.set("content-type", "application/json; charset=utf-8");
    } catch (e) {
      context.abort(e);
      const error = errorResponse(e, route.settings.registry);
      status = error.status;
      responseBody = error.body;
      responseHeader = withTrailers(context.responseHeader, context.responseTrailer);
      error.header.forEach((value, name) => responseHeader.set(name, value));
    } finally {
      context.abort();
    }
    writeResponse(req, res, status, responseHeader, responseBody);
  }

  function handler(req: NodeServerRequest, res: NodeServerResponse): void {
    serve(req, res).catch((e: unknown) => respondWithError(req, res, e, undefined));
  }

  function matches(httpMethod: string, rawUrl: string): boolean {
    try {
      return table.match(httpMethod, splitTarget(rawUrl).path).kind !== "notFound";
    } catch {
      return true;
    }
  }

  return Object.assign(handler, { matches, methods: Object.freeze(methods) });
}

/** Response headers plus `trailer-<name>` entries for the trailers. */
function withTrailers(header: Headers, trailer: Headers): Headers {
  const out = new Headers(header);
  trailer.forEach((value, name) => out.set(`trailer-${name}`, value));
  return out;
}

function respondWithError(
  req: NodeServerRequest,
  res: NodeServerResponse,
  reason: unknown,
  route: RestRoute | undefined,
  close = false,
): void {
  try {
    const error = errorResponse(reason, route?.settings.registry);
    writeResponse(req, res, error.status, error.header, error.body, close);
  } catch {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}
