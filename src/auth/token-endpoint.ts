/**
 * Refreshes an end-user access token at the OAuth token endpoint, keeping a
 * rotated refresh token.
 *
 * google-auth-library re-attaches the old refresh token after every refresh,
 * silently dropping a new `refresh_token` the server returned. This module
 * does the refresh POST itself (with the client's id, secret, endpoint and
 * credentials) so rotation is kept, the request has a timeout, nothing is
 * logged, and errors never carry a token.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import type { Credentials, OAuth2Client } from "google-auth-library";
import { sanitizedError, scrub } from "./sanitize.js";
import { assertMayCarryCredentials } from "./secure-url.js";

/** Default timeout of a token refresh. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

/** Largest token endpoint response read; a real one is well under 4 KiB. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** Characters of an error body looked at for the message excerpt. */
const EXCERPT_SCAN_CHARS = 4096;

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
  token_type?: unknown;
  scope?: unknown;
  id_token?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/** The refresh token of `client`, wherever the library keeps it. */
export function refreshTokenOf(client: OAuth2Client): string | undefined {
  const own = client.credentials.refresh_token;
  if (own) return own;
  const stored = (client as { _refreshToken?: string | null })._refreshToken;
  return stored ? stored : undefined;
}

/**
 * POSTs `grant_type=refresh_token` to the client's token endpoint and stores
 * the result on the client (`setCredentials`), keeping a rotated refresh
 * token (also on a UserRefreshClient's own field) and emitting the library's
 * `tokens` event with what the server returned. Resolves to the new
 * credentials.
 *
 * @throws ConnectError UNAUTHENTICATED when the endpoint rejects the grant or
 * client (the user must consent again), UNAVAILABLE on network failures,
 * 5xx, 429 or a timeout, FAILED_PRECONDITION for an insecure endpoint.
 */
export async function refreshUserToken(
  client: OAuth2Client,
  timeoutMs: number = DEFAULT_TOKEN_TIMEOUT_MS,
): Promise<Credentials> {
  const old = client.credentials;
  const refreshToken = refreshTokenOf(client);
  if (refreshToken === undefined) {
    throw new ConnectError(
      "the access token cannot be renewed: the credentials hold no refresh token. " +
        "Ask the user for consent again and pass the new credentials with setCredentials()",
      Code.Unauthenticated,
    );
  }
  const url = String(client.endpoints.oauth2TokenUrl);
  assertMayCarryCredentials(url, "token endpoint");
  const secrets = [refreshToken, client._clientSecret, old.access_token];
  const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (String(client.clientAuthentication) === "ClientSecretBasic") {
    const basic = Buffer.from(`${client._clientId ?? ""}:${client._clientSecret ?? ""}`);
    headers["authorization"] = `Basic ${basic.toString("base64")}`;
  } else {
    if (client._clientId) form.set("client_id", client._clientId);
    if (client._clientSecret) form.set("client_secret", client._clientSecret);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body: form,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
    text = await readLimited(res, MAX_TOKEN_RESPONSE_BYTES);
  } catch (e) {
    const timedOut = e instanceof Error && e.name === "TimeoutError";
    throw new ConnectError(
      timedOut
        ? `token endpoint did not answer within ${timeoutMs} ms`
        : `token endpoint unreachable: ${scrub(causeMessage(e), secrets)}`,
      Code.Unavailable,
      undefined,
      undefined,
      sanitizedError(e, secrets),
    );
  }
  const body = parseJson(text);
  if (!res.ok) {
    throw tokenEndpointError(res.status, body, text, secrets);
  }
  if (body === undefined || typeof body.access_token !== "string" || body.access_token === "") {
    throw new ConnectError(
      `token endpoint answered ${res.status} without an access_token`,
      Code.Unavailable,
    );
  }
  const rotated =
    typeof body.refresh_token === "string" && body.refresh_token !== "" ? body.refresh_token : undefined;
  const expiresIn = Number(body.expires_in);
  const next: Credentials = {
    ...old,
    access_token: body.access_token,
    token_type: "Bearer",
    refresh_token: rotated ?? refreshToken,
    expiry_date: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : null,
  };
  if (typeof body.scope === "string") next.scope = body.scope;
  if (typeof body.id_token === "string") next.id_token = body.id_token;
  client.setCredentials(next);
  if ("_refreshToken" in client) {
    (client as { _refreshToken?: string | null })._refreshToken = next.refresh_token;
  }
  const event: Credentials = {
    access_token: next.access_token,
    token_type: "Bearer",
    expiry_date: next.expiry_date ?? null,
  };
  if (rotated !== undefined) event.refresh_token = rotated;
  if (next.scope !== undefined) event.scope = next.scope;
  if (typeof body.id_token === "string") event.id_token = body.id_token;
  client.emit("tokens", event);
  return next;
}

/**
 * The body of `res` as text, failing once it exceeds `limit` bytes (by
 * `content-length` up front, or while reading) so a broken or hostile
 * endpoint cannot make the client buffer an unbounded body.
 */
async function readLimited(res: Response, limit: number): Promise<string> {
  const tooLarge = () => new Error(`the response is larger than ${limit} bytes`);
  if (Number(res.headers.get("content-length")) > limit) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const reader = res.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function causeMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${e.message} (${typeof code === "string" ? code : cause.message})`;
  }
  return e.message;
}

function parseJson(text: string): TokenResponse | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as TokenResponse) : undefined;
  } catch {
    return undefined;
  }
}

function tokenEndpointError(
  status: number,
  body: TokenResponse | undefined,
  text: string,
  secrets: readonly (string | null | undefined)[],
): ConnectError {
  const oauthError = typeof body?.error === "string" ? body.error : undefined;
  const description =
    typeof body?.error_description === "string" ? body.error_description : undefined;
  const what = scrub(
    oauthError !== undefined
      ? `${oauthError}${description !== undefined ? `: ${description}` : ""}`
      : excerpt(text),
    secrets,
  );
  if (status === 429 || status >= 500) {
    return new ConnectError(`token endpoint failed with HTTP ${status} (${what})`, Code.Unavailable);
  }
  const hint =
    oauthError === "invalid_grant"
      ? "the refresh token was revoked or has expired; ask the user for consent again and pass the new credentials with setCredentials()"
      : "check the OAuth client id and secret";
  return new ConnectError(
    `token endpoint rejected the refresh with HTTP ${status} (${what}): ${hint}`,
    Code.Unauthenticated,
  );
}

function excerpt(text: string): string {
  // Bounded input and [^<>] (not [^>]) keep the tag stripping linear.
  const plain = text
    .slice(0, EXCERPT_SCAN_CHARS)
    .replace(/<[^<>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (plain === "") return "empty body";
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}
