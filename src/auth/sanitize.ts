/**
 * Keeps credentials out of errors.
 *
 * @module
 */

const REDACTED = "[REDACTED]";

/** Replaces every occurrence of each secret in `text` with "[REDACTED]". */
export function scrub(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  }
  return out;
}

/**
 * A token-free copy of an error to keep as a `cause`: only `name`,
 * `message` (scrubbed) and a string `code`, recursively for `cause` (a few
 * levels) and `AggregateError.errors`. Request configs, responses and
 * headers of the original (gaxios keeps tokens there) are dropped.
 */
export function sanitizedError(
  e: unknown,
  secrets: readonly (string | null | undefined)[],
  depth = 0,
): Error {
  if (!(e instanceof Error)) {
    return new Error(scrub(String(e), secrets));
  }
  const copy = new Error(scrub(e.message, secrets));
  copy.name = e.name;
  copy.stack = `${copy.name}: ${copy.message}`;
  const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") {
    (copy as Error & { code: string }).code = code;
  }
  if (depth < 4 && cause !== undefined) {
    copy.cause = sanitizedError(cause, secrets, depth + 1);
  }
  if (depth < 4 && Array.isArray(errors)) {
    (copy as Error & { errors: Error[] }).errors = errors
      .slice(0, 8)
      .map((x) => sanitizedError(x, secrets, depth + 1));
  }
  return copy;
}
