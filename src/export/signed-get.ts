/**
 * A credential-free HTTP GET for signed download URLs, following a few
 * redirects.
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { abortError } from "./backoff.js";
import { redactUrl } from "./redact.js";

/** Options of {@link getSignedUrl}. */
export interface SignedGetOptions {
  /** Redirects to follow before giving up (default 5). */
  readonly maxRedirects?: number;
  /** Give up when the socket is idle this long, in ms (default 120 000). */
  readonly idleTimeoutMs?: number;
  /** Cancels the request. */
  readonly signal?: AbortSignal;
}

/** The response of a successful (status 200) GET and the URL that gave it. */
export interface SignedGetResponse {
  readonly response: IncomingMessage;
  readonly url: URL;
}

const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * GETs a signed URL with no credentials: no Authorization header, no cookie,
 * and user info in the URL is dropped. The signature in the query string is
 * the only authority. Redirects are followed (never from https to http);
 * a status other than 200 is a ConnectError whose message names the URL
 * without its query string. The caller must consume or destroy the body.
 */
export async function getSignedUrl(url: string, options: SignedGetOptions = {}): Promise<SignedGetResponse> {
  const maxRedirects = options.maxRedirects ?? 5;
  let current = parseDownloadUrl(url);
  for (let hops = 0; ; hops++) {
    const response = await requestOnce(current, options);
    const status = response.statusCode ?? 0;
    if (status === 200) return { response, url: current };
    const location = response.headers.location;
    if (!redirectStatuses.has(status) || location === undefined) {
      throw await statusError(status, current, response);
    }
    response.resume();
    if (hops >= maxRedirects) {
      throw new ConnectError(
        `download of ${redactUrl(url)}: more than ${maxRedirects} redirects`,
        Code.Unavailable,
      );
    }
    const next = parseDownloadUrl(new URL(location, current).href);
    if (current.protocol === "https:" && next.protocol !== "https:") {
      throw new ConnectError(
        `download of ${redactUrl(url)}: refusing a redirect from https to ${redactUrl(next)}`,
        Code.PermissionDenied,
      );
    }
    current = next;
  }
}

/**
 * Whether `err` says a signed URL was refused as expired or no longer valid
 * (HTTP 400, 401, 403 or 410 from the download host). A fresh URL from
 * GetPortabilityArchiveState may work.
 */
export function isRefusedUrlError(err: unknown): boolean {
  return err instanceof ConnectError && refusedUrlErrors.has(err);
}

const refusedUrlErrors = new WeakSet<ConnectError>();

function parseDownloadUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectError(`invalid download URL ${redactUrl(url)}`, Code.InvalidArgument);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ConnectError(`unsupported download URL scheme in ${redactUrl(parsed)}`, Code.InvalidArgument);
  }
  parsed.username = "";
  parsed.password = "";
  parsed.hash = "";
  return parsed;
}

async function requestOnce(url: URL, options: SignedGetOptions): Promise<IncomingMessage> {
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal, `download of ${redactUrl(url)}`);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      headers: { accept: "*/*", "accept-encoding": "identity" },
      signal,
    });
    req.setTimeout(options.idleTimeoutMs ?? 120_000, () => {
      req.destroy(
        new ConnectError(`download of ${redactUrl(url)}: connection idle too long`, Code.DeadlineExceeded),
      );
    });
    req.once("response", resolve);
    req.once("error", (err) => reject(transportError(err, url, signal)));
    req.end();
  });
}

/** Maps a socket/request failure to a ConnectError naming the redacted URL. */
export function transportError(err: unknown, url: URL | string, signal?: AbortSignal): ConnectError {
  if (err instanceof ConnectError) return err;
  if (signal?.aborted) return abortError(signal, `download of ${redactUrl(url)}`);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new ConnectError(
    `download of ${redactUrl(url)} failed: ${code ?? (err instanceof Error ? err.name : "error")}`,
    Code.Unavailable,
    undefined,
    undefined,
    err,
  );
}

async function statusError(status: number, url: URL, response: IncomingMessage): Promise<ConnectError> {
  const where = `download of ${redactUrl(url)}`;
  if (status === 400 || status === 401 || status === 403 || status === 410) {
    const expired = /expired/i.test(await readSnippet(response));
    const refused = new ConnectError(
      `${where} refused with HTTP ${status}: the signed URL ${expired ? "has expired" : "was rejected, it may have expired"} ` +
        "(signed URLs are valid for 6 hours after GetPortabilityArchiveState issued them, and a reset " +
        "revokes them); call GetPortabilityArchiveState again for fresh URLs",
      Code.FailedPrecondition,
    );
    refusedUrlErrors.add(refused);
    return refused;
  }
  if (status === 404) return new ConnectError(`${where}: HTTP 404, the archive file is gone`, Code.NotFound);
  if (status === 429 || status >= 500) return new ConnectError(`${where}: HTTP ${status}`, Code.Unavailable);
  return new ConnectError(`${where}: unexpected HTTP ${status}`, Code.Unknown);
}

/** Reads at most 4 KiB of an error body; it is only searched, never shown. */
async function readSnippet(response: IncomingMessage): Promise<string> {
  let text = "";
  try {
    for await (const chunk of response) {
      text += String(chunk);
      if (text.length >= 4096) break;
    }
  } catch {
    // The body is optional: an aborted error body just gives no hint.
  } finally {
    response.destroy();
  }
  return text;
}
