/**
 * The REST transport's fast path into its built-in HTTP clients: a plain
 * header record in, a whole response out, the call watched through its
 * {@link CallAbort} instead of an `AbortSignal`.
 */
import type { RestHttpClient } from "./http-client.js";
import type { CallAbort } from "./run-unary.js";

/** Node's flat `[name, value, …]` header list; undici's raw list holds Buffers (latin1). */
export type RawHeaderList = readonly (string | Buffer)[];

/** A raw header name or value as a string (Buffers are latin1, as Node decodes headers). */
export function rawText(value: string | Buffer): string {
  return typeof value === "string" ? value : value.toString("latin1");
}

/** The `content-length` of a response from its raw header list, or -1. */
export function declaredLength(raw: RawHeaderList): number {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && rawText(name).toLowerCase() === "content-length") return Number(rawText(raw[i + 1]!));
  }
  return -1;
}

/** One request on the transport's fast path. */
export interface DirectRequest {
  url: string;
  method: string;
  /** Lower-case names; `content-length` is set by the client. */
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  call: CallAbort;
}

/** A whole response read by the client itself. */
export interface DirectResponse {
  status: number;
  rawHeaders: RawHeaderList;
  body: Uint8Array;
  rawTrailers: RawHeaderList | undefined;
}

/** Rejection of a {@link DirectExchange} whose response body exceeds the limit. */
export class ResponseTooLarge extends Error {
  constructor(
    /** The declared `content-length`, or `undefined` when counted while reading. */
    readonly size: number | undefined,
  ) {
    super("response body too large");
  }
}

/**
 * Sends a {@link DirectRequest} and reads the whole response, failing with
 * {@link ResponseTooLarge} (and destroying the socket) beyond `maxBytes`.
 */
export type DirectExchange = (request: DirectRequest, maxBytes: number) => Promise<DirectResponse>;

/** Key of the {@link DirectExchange} on the built-in clients. */
export const directExchange: unique symbol = Symbol("dataportability-connect.directExchange");

/** A {@link RestHttpClient} that also offers the transport's fast path. */
export interface DirectHttpClient extends RestHttpClient {
  readonly [directExchange]: DirectExchange;
}

/** The fast path of `client`, if it is one of the built-in clients. */
export function directExchangeOf(client: RestHttpClient): DirectExchange | undefined {
  return directExchange in client ? (client as DirectHttpClient)[directExchange] : undefined;
}

/** An `AbortError` for a signal aborted without a reason. */
export function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const e = new Error("This operation was aborted");
  e.name = "AbortError";
  return e;
}

/** `reason` as an Error (to destroy a stream with). */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Where the path of an absolute URL starts (-1 when it has none). */
export function pathStartOf(url: string): number {
  const schemeEnd = url.indexOf("://");
  return schemeEnd < 0 ? -1 : url.indexOf("/", schemeEnd + 3);
}

/** The entries of `header` as a plain record (lower-case names, as `Headers` keeps them). */
export function headerRecord(header: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  header.forEach((value, key) => {
    record[key] = value;
  });
  return record;
}
