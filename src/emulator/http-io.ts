/**
 * Small HTTP helpers of the emulator's own routes (OAuth, downloads, admin):
 * reading a bounded body, writing JSON, dropping a connection.
 */
import type { NodeServerRequest, NodeServerResponse } from "../rest/server/index.js";

/** Thrown by {@link readBody} when the body exceeds the limit. */
export class BodyTooLargeError extends Error {
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  /** Creates the error. */
  constructor(limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
    this.name = "BodyTooLargeError";
    this.limit = limit;
  }
}

/** The declared Content-Length of a request, or undefined when absent or not a number. */
export function declaredLength(req: NodeServerRequest): number | undefined {
  const value = req.headers["content-length"];
  if (typeof value !== "string" || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Reads the whole request body, at most `limit` bytes.
 *
 * @throws BodyTooLargeError as soon as more than `limit` bytes arrive.
 */
export async function readBody(req: NodeServerRequest, limit: number): Promise<Uint8Array> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The media type of a request's Content-Type, lower case without parameters ("" when absent). */
export function mediaType(req: NodeServerRequest): string {
  return String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Writes a JSON response and ends it. */
export function sendJson(
  res: NodeServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body, null, 2) + "\n";
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Writes a plain response (any content type) and ends it. */
export function sendBytes(
  res: NodeServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { "content-type": contentType, "content-length": String(bytes.length), ...headers });
  res.end(bytes);
}

/** The path of a request URL (no query), or "/" when the URL is unusable. */
export function requestPath(req: NodeServerRequest): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** The query parameters of a request URL. */
export function requestQuery(req: NodeServerRequest): URLSearchParams {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
}
