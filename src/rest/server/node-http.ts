/**
 * Node.js `http` / `http2` glue of the REST handler: request headers, body
 * reading with a size limit, client-gone signal, response writing.
 *
 * Only types are imported from @connectrpc/connect-node, so importing the
 * package root stays cheap.
 */
import type { OutgoingHttpHeaders } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { httpStatusError } from "./error-response.js";

/**
 * A Node.js request handler for `http`, `https` and `http2` (the type
 * `connectNodeAdapter` returns and takes as `fallback`).
 */
export type NodeHandlerFn = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/** A Node.js server request (`http.IncomingMessage` or `http2.Http2ServerRequest`). */
export type NodeServerRequest = Parameters<NodeHandlerFn>[0];

/** A Node.js server response (`http.ServerResponse` or `http2.Http2ServerResponse`). */
export type NodeServerResponse = Parameters<NodeHandlerFn>[1];

/** Request headers as a fetch `Headers` object, without HTTP/2 pseudo-headers. */
export function requestHeaders(req: NodeServerRequest): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) header.append(name, item);
    } else {
      header.append(name, String(value));
    }
  }
  return header;
}

function tooLarge(limit: number): ConnectError {
  return httpStatusError(
    413,
    `request body too large: the limit is ${limit} bytes`,
    Code.InvalidArgument,
  );
}

/**
 * Reads the whole request body. Rejects with a 413 error ({@link httpStatusError})
 * as soon as the declared `content-length` or the bytes received exceed
 * `limit`; the rest of the body is then discarded, not buffered. Rejects
 * with `Code.Canceled` if the request closes before its end. A body already
 * consumed by other code reads as empty.
 */
export function readRequestBody(req: NodeServerRequest, limit: number): Promise<Uint8Array> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  // Already read by someone else (e.g. a body-parsing middleware): nothing left.
  if (req.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      req.off("close", onAborted);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.byteLength;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (): void => {
      cleanup();
      reject(new ConnectError("the request body could not be read", Code.Canceled));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new ConnectError("the client aborted the request", Code.Canceled));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
    req.on("close", onAborted);
  });
}

/**
 * An `AbortSignal` aborted (with `Code.Canceled`) when the connection or
 * stream closes before the response has been written completely.
 */
export function clientGoneSignal(res: NodeServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) {
      controller.abort(new ConnectError("the client closed the connection", Code.Canceled));
    }
  });
  return controller.signal;
}

/** Connection-specific headers that must not be forwarded (and are invalid in HTTP/2). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "content-length",
]);

function toNodeHeaders(header: Headers): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  header.forEach((value, name) => {
    if (HOP_BY_HOP.has(name)) return;
    out[name] = name === "set-cookie" ? header.getSetCookie() : value;
  });
  return out;
}

/**
 * Writes a complete response unless the client is gone. With `close` set on
 * HTTP/1.x the connection is closed afterwards (used when the request body
 * was not read to its end).
 */
export function writeResponse(
  req: NodeServerRequest,
  res: NodeServerResponse,
  status: number,
  header: Headers,
  body: Uint8Array,
  close = false,
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const headers = toNodeHeaders(header);
  headers["content-length"] = body.byteLength;
  if (close && !("stream" in req)) headers["connection"] = "close";
  res.writeHead(status, headers);
  res.end(body);
}
