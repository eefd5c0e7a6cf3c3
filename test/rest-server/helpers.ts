/**
 * Test helpers for the REST handler: a real `node:http` server on
 * 127.0.0.1:0 and a raw HTTP/1.1 client that sends the request target
 * exactly as given (no URL normalisation).
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex, PassThrough } from "node:stream";
import type { AddressInfo } from "node:net";
import {
  equals,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescMethodUnary,
  type MessageShape,
} from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { TranscodingService } from "../support/conformance.js";

/** A listening server and how to stop it. */
export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `handler` with `node:http` on an ephemeral loopback port. */
export async function listen(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The start of the HTTP/2 connection preface (RFC 9113 §3.4). */
const H2_PREFACE = "PRI * HTTP/2.0";

/**
 * Serves `handler` on one loopback port for HTTP/1.1 and HTTP/2 with prior
 * knowledge (h2c). Node 20 honours `allowHTTP1` only on TLS servers (ALPN),
 * so the first bytes of each connection pick an `http` or an `http2` server,
 * both running the same handler.
 */
export async function listenH1AndH2c(
  handler: (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void,
): Promise<TestServer> {
  const h1 = http.createServer(handler);
  const h2 = http2.createServer(handler);
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      if (first.toString("latin1", 0, H2_PREFACE.length) !== H2_PREFACE) {
        socket.unshift(first);
        h1.emit("connection", socket);
        socket.resume();
        return;
      }
      // http2 reads from the socket's native handle and would miss the
      // bytes already read; hand it a handle-less duplex that replays them.
      const readable = new PassThrough();
      readable.write(first);
      socket.pipe(readable);
      const duplex = Duplex.from({ readable, writable: socket });
      socket.once("close", () => duplex.destroy());
      h2.emit("connection", duplex);
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const { port } = tcp.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        h1.close();
        h2.close();
        tcp.close(() => resolve());
      }),
  };
}

/** A raw HTTP response. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A raw HTTP request: `path` is sent byte for byte as the request target. */
export interface RawRequest {
  method: string;
  path: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** Sends one request on a fresh connection and reads the whole response. */
export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) {
      headers["content-type"] ??= "application/json";
      // Node's client sends GET/DELETE bodies without framing unless told the length.
      headers["content-length"] = String(Buffer.byteLength(request.body));
    }
    const req = http.request(
      { host: "127.0.0.1", port, method: request.method, path: request.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}

/** Google's error envelope as parsed from a response body. */
export interface ErrorEnvelope {
  error: { code: number; message: string; status: string; details?: Array<Record<string, unknown>> };
}

/** Parses a response body as Google's error envelope, failing if it is not one. */
export function parseEnvelope(text: string): ErrorEnvelope {
  const json = JSON.parse(text) as ErrorEnvelope;
  if (typeof json.error?.code !== "number" || typeof json.error.status !== "string") {
    throw new Error(`not a Google error envelope: ${text}`);
  }
  return json;
}

/**
 * Asserts an error response: the HTTP status, Google's envelope with the
 * same `code` and the given `status` name, JSON content type. Returns the
 * envelope's `error`.
 */
export function expectEnvelope(res: RawResponse, httpStatus: number, status: string): ErrorEnvelope["error"] {
  if (res.status !== httpStatus) throw new Error(`expected HTTP ${httpStatus}, got ${res.status}: ${res.text}`);
  if (res.headers["content-type"] !== "application/json; charset=utf-8") {
    throw new Error(`unexpected content-type ${String(res.headers["content-type"])}`);
  }
  const { error } = parseEnvelope(res.text);
  if (error.code !== httpStatus || error.status !== status) {
    throw new Error(`expected envelope ${httpStatus} ${status}, got ${res.text}`);
  }
  return error;
}

/** What an implementation received. */
export interface CapturedCall {
  method: DescMethod;
  request: MessageShape<DescMessage>;
  context: HandlerContext;
}

/**
 * Registers every RPC of the conformance service with an implementation
 * that records the decoded request under the `x-test-id` request header and
 * answers the empty response.
 */
export function captureAllRoutes(captured: Map<string, CapturedCall>): (router: ConnectRouter) => void {
  return (router) => {
    for (const method of TranscodingService.methods) {
      if (method.methodKind !== "unary") continue;
      router.rpc(method as DescMethodUnary, (request, context) => {
        captured.set(context.requestHeader.get("x-test-id") ?? "", { method, request, context });
        return {};
      });
    }
  };
}

/**
 * Message equality for assertions: protobuf-es `equals`, or identical binary
 * encodings (`equals` follows IEEE semantics, so a message holding NaN never
 * equals itself; its encoding does).
 */
export function sameMessage<Desc extends DescMessage>(
  schema: Desc,
  a: MessageShape<Desc>,
  b: MessageShape<Desc>,
): boolean {
  if (equals(schema, a, b)) return true;
  return Buffer.from(toBinary(schema, a)).equals(toBinary(schema, b));
}
