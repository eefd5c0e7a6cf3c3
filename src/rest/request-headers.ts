/**
 * The headers of a REST request: the caller's headers plus `content-type`
 * (when there is a body), `user-agent` and `x-goog-api-client`.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { VERSION } from "../version.js";
import { headerRecord } from "./direct-exchange.js";

/** What `new Headers()` accepts (the DOM `HeadersInit`). */
export type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The fixed identification headers of a transport. */
export interface ClientIdentity {
  userAgent: string;
  apiClient: string;
}

/**
 * `User-Agent: dataportability-connect/<ver>[ extra]` and
 * `x-goog-api-client: dataportability-connect/<ver> gl-node/<node> rest/<ver>`.
 */
export function clientIdentity(extraUserAgent: string | undefined): ClientIdentity {
  const extra = extraUserAgent !== undefined && extraUserAgent !== "" ? " " + extraUserAgent : "";
  return {
    userAgent: `dataportability-connect/${VERSION}${extra}`,
    apiClient: `dataportability-connect/${VERSION} gl-node/${process.versions.node} rest/${VERSION}`,
  };
}

/** `X-Server-Timeout`: the call's deadline in seconds, or `undefined` without one. */
export function serverTimeout(timeoutMs: number | undefined): string | undefined {
  return timeoutMs === undefined || !(timeoutMs > 0) ? undefined : String(timeoutMs / 1000);
}

/**
 * The request headers as a `Headers` object (what interceptors see).
 * `timeout` is the value of `x-server-timeout` (see {@link serverTimeout}).
 * A header `Headers` refuses is a ConnectError (INVALID_ARGUMENT).
 */
export function requestHeaders(
  init: HeadersInit | undefined,
  hasBody: boolean,
  timeout: string | undefined,
  id: ClientIdentity,
): Headers {
  let header: Headers;
  try {
    header = new Headers(init);
  } catch {
    // The TypeError quotes the offending value, which may be a credential.
    throw new ConnectError(
      "invalid request header: a header name or value holds a character HTTP does not allow (e.g. CR or LF)",
      Code.InvalidArgument,
    );
  }
  if (hasBody) header.set("content-type", "application/json");
  else header.delete("content-type");
  header.set("user-agent", id.userAgent);
  if (!header.has("x-goog-api-client")) header.set("x-goog-api-client", id.apiClient);
  if (timeout !== undefined && !header.has("x-server-timeout")) header.set("x-server-timeout", timeout);
  return header;
}

function add(record: Record<string, string>, name: string, value: string): void {
  const key = name.toLowerCase();
  const previous = record[key];
  record[key] = previous === undefined ? value : `${previous}, ${value}`;
}

/**
 * The same headers as {@link requestHeaders}, as a plain record with
 * lower-case names (no `Headers` object: the fast path).
 */
export function requestHeaderRecord(
  init: HeadersInit | undefined,
  hasBody: boolean,
  timeout: string | undefined,
  id: ClientIdentity,
): Record<string, string> {
  const record: Record<string, string> = {};
  if (init instanceof Headers) {
    init.forEach((value, key) => {
      record[key] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init as Iterable<readonly [string, string]>) add(record, name, String(value).trim());
  } else if (init !== undefined) {
    const source = init as Record<string, string | readonly string[]>;
    for (const name of Object.keys(source)) {
      const value = source[name]!;
      if (typeof value === "string") add(record, name, value.trim());
      else for (const item of value) add(record, name, String(item).trim());
    }
  }
  if (hasBody) record["content-type"] = "application/json";
  else delete record["content-type"];
  record["user-agent"] = id.userAgent;
  record["x-goog-api-client"] ??= id.apiClient;
  if (timeout !== undefined) record["x-server-timeout"] ??= timeout;
  return record;
}

/** A `Headers` object as a plain record, with `content-type` set to match the body. */
export function headerRecordOf(header: Headers, hasBody: boolean): Record<string, string> {
  const record = headerRecord(header);
  if (hasBody) record["content-type"] ??= "application/json";
  else delete record["content-type"];
  return record;
}
