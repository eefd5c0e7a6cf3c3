/**
 * Classifies what the caller passed as `auth`.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import type { GoogleAuth, OAuth2Client } from "google-auth-library";

/** What an auth value turned out to be. */
export type CredentialKind =
  | { readonly kind: "oauth2"; readonly client: OAuth2Client }
  | { readonly kind: "google-auth"; readonly auth: GoogleAuth }
  | { readonly kind: "static"; readonly token: string };

/**
 * google-auth-library classes that do not hold end-user consent, with the
 * name used in the rejection message. Matched by class name along the
 * prototype chain, which works without loading the library at runtime and
 * across duplicate copies of it.
 */
const NOT_END_USER: ReadonlyMap<string, string> = new Map([
  ["JWT", "a service-account (JWT) credential"],
  ["JWTAccess", "a service-account (self-signed JWT) credential"],
  ["Compute", "a Compute Engine metadata-server credential"],
  ["Impersonated", "an impersonated service-account credential"],
  ["IdTokenClient", "an ID-token credential"],
  ["GdchClient", "a GDCH service-account credential"],
  ["BaseExternalAccountClient", "an external-account (workload identity federation) credential"],
  [
    "ExternalAccountAuthorizedUserClient",
    "an external-account authorized-user (workforce identity) credential",
  ],
  ["DownscopedClient", "a downscoped credential"],
  ["PassThroughClient", "a pass-through credential"],
]);

function classNames(value: object): string[] {
  const names: string[] = [];
  for (let p = Object.getPrototypeOf(value); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === "string") names.push(ctor.name);
  }
  return names;
}

/**
 * The ConnectError (FAILED_PRECONDITION) for a credential that cannot carry
 * end-user consent.
 */
export function notEndUserError(description: string): ConnectError {
  return new ConnectError(
    `the Data Portability API needs end-user OAuth consent: use an authorized_user credential ` +
      `(an OAuth2Client or UserRefreshClient holding the user's tokens, or application default ` +
      `credentials of type "authorized_user"); got ${description}, which cannot be granted ` +
      `dataportability.* scopes`,
    Code.FailedPrecondition,
  );
}

/**
 * Throws {@link notEndUserError} unless `client` (an auth client a
 * GoogleAuth resolved to, or one passed directly) is an end-user OAuth2
 * client; returns it typed as OAuth2Client.
 */
export function requireEndUserClient(client: object): OAuth2Client {
  const names = classNames(client);
  for (const name of names) {
    const description = NOT_END_USER.get(name);
    if (description !== undefined) throw notEndUserError(description);
  }
  if (!names.includes("OAuth2Client")) {
    throw notEndUserError(`an unsupported auth client (${names[0] ?? "unknown"})`);
  }
  return client as OAuth2Client;
}

/**
 * Classifies an `auth` option: an OAuth2Client/UserRefreshClient, a
 * GoogleAuth (resolved lazily), or a static access token (a string or
 * `{ accessToken }`). Throws a ConnectError for anything else: FAILED_PRECONDITION
 * for credentials without end-user consent, INVALID_ARGUMENT otherwise.
 */
export function classifyCredential(value: unknown): CredentialKind {
  if (typeof value === "string") {
    return { kind: "static", token: checkToken(value) };
  }
  if (typeof value !== "object" || value === null) {
    throw new ConnectError(`auth must be an OAuth2Client, a GoogleAuth or an access token; got ${typeof value}`, Code.InvalidArgument);
  }
  if (classNames(value).includes("GoogleAuth")) {
    return { kind: "google-auth", auth: value as GoogleAuth };
  }
  const accessToken = (value as { accessToken?: unknown }).accessToken;
  if (typeof accessToken === "string" && Object.getPrototypeOf(value) === Object.prototype) {
    return { kind: "static", token: checkToken(accessToken) };
  }
  return { kind: "oauth2", client: requireEndUserClient(value) };
}

function checkToken(token: string): string {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    // Never echo the value: it is a credential.
    throw new ConnectError(
      "auth access token must be a non-empty string of visible ASCII characters",
      Code.InvalidArgument,
    );
  }
  return token;
}
