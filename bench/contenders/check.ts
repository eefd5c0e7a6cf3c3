/**
 * Reply checks shared by the hand-written REST contenders.
 */

/** Throws unless the reply is HTTP 200 with a JSON object body (reset answers `{}`). */
export function checkJsonReply(status: number, text: string): void {
  if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null) throw new Error(`unexpected body ${text.slice(0, 200)}`);
}

/** The request headers every hand-written REST contender sends. */
export function restHeaders(token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    "content-type": "application/json",
    accept: "application/json",
  };
}

/** The path of `ResetAuthorization` over REST. */
export const RESET_PATH = "/v1/authorization:reset";
