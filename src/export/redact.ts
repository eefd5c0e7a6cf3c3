/**
 * Redaction of signed download URLs for messages and logs.
 *
 * A signed URL carries its credential in the query string (the signature,
 * the signing account, the expiry). Only the origin and path may appear in
 * an error message or a progress event.
 *
 * @module
 */

/**
 * The URL without its query string, fragment and user info: the query is
 * replaced by `?<redacted>` when there was one. Text that is not a URL is
 * cut at the first `?` or `#` the same way.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : url;
  } catch {
    const text = String(url);
    const cut = text.search(/[?#]/);
    return cut < 0 ? text : `${text.slice(0, cut)}?<redacted>`;
  }
  const hidden = parsed.search !== "" || parsed.hash !== "" ? "?<redacted>" : "";
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${hidden}`;
}

/**
 * The identity of a downloadable object: origin and path, without the
 * signature. Google re-signs URLs, so two URLs with the same key name the
 * same archive file.
 */
export function urlObjectKey(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return redactUrl(url);
  }
}
