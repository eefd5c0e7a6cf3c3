/**
 * Watching the HTTP requests an RPC really becomes: a transport-level
 * interceptor (it runs inside the protocol's transport, after auth, so it
 * sees the final URL, HTTP method and headers), and the transports that
 * carry it.
 *
 * @module
 */

import { ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createLazyTransport, type DataPortabilityProtocol } from "../client/index.js";
import { createRestTransport } from "../rest/index.js";

/** One HTTP request as it went on the wire. */
export interface WireRequest {
  /** The RPC name, e.g. `ResetAuthorization`. */
  readonly rpc: string;
  /** The HTTP method, e.g. `POST` (REST: the binding's method, e.g. `GET`). */
  readonly httpMethod: string;
  /** The full URL. */
  readonly url: URL;
  /** The request headers, `authorization` included (redact before printing). */
  readonly header: Headers;
  /** The wire format read from the headers: `REST/JSON`, `gRPC`, `gRPC-web` or `Connect`. */
  readonly format: string;
  /** The HTTP version the transport uses, e.g. `HTTP/2`. */
  readonly httpVersion: string;
}

/** How a request ended. */
export type WireOutcome =
  | { readonly ok: true; readonly header: Headers; readonly elapsedMs: number }
  | { readonly ok: false; readonly error: ConnectError; readonly elapsedMs: number };

/** Receives every request and its outcome (retries are separate requests). */
export interface WireObserver {
  request(request: WireRequest): void;
  response(request: WireRequest, outcome: WireOutcome): void;
}

/** The HTTP version each protocol's transport speaks here. */
export function httpVersionOf(protocol: DataPortabilityProtocol): string {
  return protocol === "grpc" ? "HTTP/2" : "HTTP/1.1";
}

/** The wire format, read from the request headers the protocol set. */
export function wireFormat(header: Headers): string {
  const type = header.get("content-type") ?? "";
  if (type.startsWith("application/grpc-web")) return "gRPC-web";
  if (type.startsWith("application/grpc")) return "gRPC";
  if (header.has("connect-protocol-version")) return "Connect";
  return "REST/JSON";
}

/**
 * The request line of a request: `POST /v1/authorization:reset`. With
 * `annotate`, the version and format follow: `(HTTP/2, gRPC)`.
 */
export function requestLine(request: WireRequest, annotate = true): string {
  const line = `${request.httpMethod} ${request.url.pathname}${request.url.search}`;
  return annotate ? `${line} (${request.httpVersion}, ${request.format})` : line;
}

/** An interceptor reporting each request and outcome to `observer`. */
export function createWireInterceptor(observer: WireObserver, httpVersion: string): Interceptor {
  return (next) => async (req) => {
    const request: WireRequest = {
      rpc: req.method.name,
      httpMethod: req.requestMethod,
      url: new URL(req.url),
      header: new Headers(req.header),
      format: wireFormat(req.header),
      httpVersion,
    };
    observer.request(request);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await next(req);
      observer.response(request, { ok: true, header: res.header, elapsedMs: elapsed() });
      return res;
    } catch (e) {
      observer.response(request, { ok: false, error: ConnectError.from(e), elapsedMs: elapsed() });
      throw e;
    }
  };
}

/**
 * The bare transport of `protocol` (as the client would build it) with
 * `observer` watching its requests. Pass it as the client's `transport`:
 * auth, retries and deadlines still apply around it.
 */
export function createWireTransport(
  protocol: DataPortabilityProtocol,
  baseUrl: string,
  observer: WireObserver,
): Transport {
  const interceptors = [createWireInterceptor(observer, httpVersionOf(protocol))];
  if (protocol === "rest") return createRestTransport({ baseUrl, interceptors });
  return createLazyTransport(async () => {
    const node = await import("@connectrpc/connect-node");
    if (protocol === "grpc") return node.createGrpcTransport({ baseUrl, interceptors });
    if (protocol === "grpc-web") return node.createGrpcWebTransport({ baseUrl, interceptors, httpVersion: "1.1" });
    return node.createConnectTransport({ baseUrl, interceptors, httpVersion: "1.1" });
  });
}
