/**
 * Tells failures that certainly never reached the server.
 *
 * @module
 */

/**
 * Error codes meaning the request was never delivered: a refused connection
 * (Node), and undici's timeout for establishing one (nothing is written
 * before the connection is up).
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * True when `err` (walking `cause` and `AggregateError.errors`) comes from a
 * refused connection (`code === "ECONNREFUSED"`) or a connection that could
 * not be established in time (`UND_ERR_CONNECT_TIMEOUT`), so the request
 * certainly did not reach the server and a replay cannot duplicate its effect.
 */
export function requestNotSent(err: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0 && seen.size < 32) {
    const e = stack.pop();
    if (typeof e !== "object" || e === null || seen.has(e)) {
      continue;
    }
    seen.add(e);
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === "string" && NOT_SENT_CODES.has(code)) {
      return true;
    }
    stack.push(cause);
    if (Array.isArray(errors)) {
      stack.push(...errors);
    }
  }
  return false;
}
