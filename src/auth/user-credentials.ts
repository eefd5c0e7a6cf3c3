/**
 * The credential cache behind the auth interceptor: cached header value,
 * single-flight refresh, forced refresh after UNAUTHENTICATED, and the reset
 * lifecycle.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import type { Credentials, GoogleAuth, OAuth2Client } from "google-auth-library";
import { classifyCredential, requireEndUserClient } from "./credential-kind.js";
import { loadGoogleAuthLibrary } from "./google-auth-loader.js";
import { sanitizedError } from "./sanitize.js";
import { DEFAULT_TOKEN_TIMEOUT_MS, refreshTokenOf, refreshUserToken } from "./token-endpoint.js";

/**
 * What `auth` may be: an `OAuth2Client` / `UserRefreshClient` holding the
 * user's tokens, a `GoogleAuth` (must resolve to an authorized_user
 * credential), or a static access token (string or `{ accessToken }`).
 * Leaving it out means application default credentials, loaded through
 * google-auth-library (an optional peer dependency: when it is not
 * installed they fail with FAILED_PRECONDITION; a static token needs no
 * google-auth-library).
 */
export type DataPortabilityAuth = OAuth2Client | GoogleAuth | string | { readonly accessToken: string };

/** Options of {@link createUserCredentials}. */
export interface UserCredentialsOptions {
  /** Timeout of a token refresh POST (default 15 s). */
  readonly tokenTimeoutMs?: number;
}

/**
 * End-user credentials as the client uses them. One object may be shared by
 * several clients; it refreshes at most once at a time.
 */
export interface UserCredentials {
  /** Tells these apart from google-auth-library objects. */
  readonly kind: "dataportability-user-credentials";
  /** True after a successful ResetAuthorization, until new credentials arrive. */
  readonly isReset: boolean;
  /**
   * The `Authorization` value for the next request: a string while the
   * cached token is valid (no await), else a promise (resolving
   * credentials or refreshing).
   */
  authorization(): string | Promise<string>;
  /**
   * After a request sent with `sent` failed with UNAUTHENTICATED: the value
   * to replay with. Forces one refresh (joined by concurrent callers), even
   * when the cached expiry looks valid; rejects when nothing can be renewed.
   */
  recover(sent: string, error: ConnectError): Promise<string>;
  /**
   * Drops the credentials after a successful ResetAuthorization: the tokens
   * are revoked, so the next call fails at once with UNAUTHENTICATED. The
   * OAuth2Client's credentials are cleared too.
   */
  markReset(): void;
  /**
   * Replaces the credentials (after new consent) and leaves the reset state.
   * `undefined` means application default credentials.
   */
  setCredentials(auth: DataPortabilityAuth | undefined): void;
}

/** True for objects made by {@link createUserCredentials}. */
export function isUserCredentials(value: unknown): value is UserCredentials {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "dataportability-user-credentials"
  );
}

const DEFAULT_EAGER_REFRESH_MS = 5 * 60_000;

/**
 * The error of every call after ResetAuthorization, until new credentials.
 */
export function authorizationResetError(): ConnectError {
  return new ConnectError(
    "the user's authorization was reset (ResetAuthorization revoked its tokens): ask the user for " +
      "new consent, then pass the new credentials with setCredentials() (or to a new client)",
    Code.Unauthenticated,
  );
}

/**
 * Creates the credential cache for `auth` (see {@link DataPortabilityAuth}).
 * Classifies it at once: service-account, JWT, impersonated,
 * external-account and metadata (Compute) credentials throw a ConnectError
 * (FAILED_PRECONDITION) explaining that this API needs end-user OAuth
 * consent; a GoogleAuth or ADC is checked the same way when first resolved.
 */
export function createUserCredentials(
  auth?: DataPortabilityAuth,
  options: UserCredentialsOptions = {},
): UserCredentials {
  const tokenTimeoutMs = options.tokenTimeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;

  // Source state, replaced by setCredentials().
  let staticHeader: string | undefined;
  let client: OAuth2Client | undefined;
  let resolveClient: (() => Promise<OAuth2Client>) | undefined;
  let resolving: Promise<OAuth2Client> | undefined;
  let generation = 0;

  // Cache state.
  let cached: string | undefined;
  let cachedUntil = 0;
  let cachedCreds: Credentials | undefined;
  let refreshing: Promise<string> | undefined;
  let reset = false;
  let resetCreds: Credentials | undefined;

  function load(next: DataPortabilityAuth | undefined): void {
    const kind = next === undefined ? undefined : classifyCredential(next);
    generation++;
    staticHeader = undefined;
    client = undefined;
    resolveClient = undefined;
    resolving = undefined;
    cached = undefined;
    cachedUntil = 0;
    cachedCreds = undefined;
    refreshing = undefined;
    reset = false;
    resetCreds = undefined;
    if (kind === undefined) {
      resolveClient = applicationDefault;
    } else if (kind.kind === "static") {
      staticHeader = `Bearer ${kind.token}`;
      remember(staticHeader, Infinity, undefined);
    } else if (kind.kind === "oauth2") {
      client = kind.client;
    } else {
      const googleAuth = kind.auth;
      resolveClient = () => fromGoogleAuth(googleAuth);
    }
  }

  function remember(header: string, until: number, creds: Credentials | undefined): string {
    cached = header;
    cachedUntil = until;
    cachedCreds = creds;
    return header;
  }

  function eagerMs(c: OAuth2Client): number {
    const v = (c as { eagerRefreshThresholdMillis?: unknown }).eagerRefreshThresholdMillis;
    return typeof v === "number" && v >= 0 ? v : DEFAULT_EAGER_REFRESH_MS;
  }

  function headerOf(creds: Credentials): string {
    return `Bearer ${creds.access_token}`;
  }

  function consentRenewed(): boolean {
    if (client === undefined) return false;
    const creds = client.credentials;
    return creds !== resetCreds && (Boolean(creds.access_token) || refreshTokenOf(client) !== undefined);
  }

  function refresh(c: OAuth2Client): Promise<string> {
    if (refreshing !== undefined) {
      return refreshing;
    }
    const gen = generation;
    const started = Date.now();
    const p: Promise<string> = renew(c).then(
      (creds) => {
        if (refreshing === p) refreshing = undefined;
        if (gen !== generation) return headerOf(creds);
        const expiry = creds.expiry_date ?? undefined;
        const until =
          expiry === undefined
            ? Infinity
            : expiry - Math.min(eagerMs(c), Math.max(0, (expiry - started) / 2));
        return remember(headerOf(creds), until, c.credentials);
      },
      (e: unknown) => {
        if (refreshing === p) refreshing = undefined;
        throw e;
      },
    );
    refreshing = p;
    return p;
  }

  async function renew(c: OAuth2Client): Promise<Credentials> {
    if (refreshTokenOf(c) !== undefined) {
      return refreshUserToken(c, tokenTimeoutMs);
    }
    const handler = c.refreshHandler;
    if (handler !== undefined) {
      const secrets = [c.credentials.access_token];
      let got: { access_token: string; expiry_date: number } | undefined;
      try {
        got = await handler();
      } catch (e) {
        throw new ConnectError("the refresh handler failed", Code.Unauthenticated, undefined, undefined, sanitizedError(e, secrets));
      }
      if (!got?.access_token) {
        throw new ConnectError("the refresh handler returned no access_token", Code.Unauthenticated);
      }
      c.setCredentials({ ...c.credentials, access_token: got.access_token, expiry_date: got.expiry_date });
      return c.credentials;
    }
    throw new ConnectError(
      "the access token cannot be renewed: the credentials hold no refresh token. " +
        "Ask the user for consent again and pass the new credentials with setCredentials()",
      Code.Unauthenticated,
    );
  }

  function currentClient(): OAuth2Client | Promise<OAuth2Client> {
    if (client !== undefined) return client;
    if (resolving === undefined) {
      const gen = generation;
      const resolve = resolveClient ?? applicationDefault;
      resolving = resolve().then((c) => {
        if (gen === generation) client = c;
        return c;
      });
      // A failed resolution is kept: rejections for the wrong credential type
      // are permanent, and ADC lookups are not worth repeating per call.
    }
    return resolving;
  }

  async function slowAuthorization(): Promise<string> {
    if (refreshing !== undefined) {
      return refreshing;
    }
    if (reset) {
      if (!consentRenewed()) throw authorizationResetError();
      reset = false;
      resetCreds = undefined;
    }
    if (staticHeader !== undefined) {
      return remember(staticHeader, Infinity, undefined);
    }
    const c = await currentClient();
    const creds = c.credentials;
    if (creds.access_token) {
      const expiry = creds.expiry_date ?? undefined;
      const until = expiry === undefined ? Infinity : expiry - eagerMs(c);
      if (Date.now() < until) {
        return remember(headerOf(creds), until, creds);
      }
    }
    return refresh(c);
  }

  const self: UserCredentials = {
    kind: "dataportability-user-credentials",
    get isReset() {
      return reset;
    },
    authorization() {
      if (
        cached !== undefined &&
        refreshing === undefined &&
        Date.now() < cachedUntil &&
        (client === undefined || client.credentials === cachedCreds)
      ) {
        return cached;
      }
      return slowAuthorization();
    },
    recover(sent, error) {
      if (reset) {
        return Promise.reject(authorizationResetError());
      }
      if (refreshing !== undefined) {
        return refreshing;
      }
      if (
        cached !== undefined &&
        cached !== sent &&
        Date.now() < cachedUntil &&
        (client === undefined || client.credentials === cachedCreds)
      ) {
        return Promise.resolve(cached);
      }
      if (staticHeader !== undefined || client === undefined) {
        return Promise.reject(error);
      }
      if (refreshTokenOf(client) === undefined && client.refreshHandler === undefined) {
        return Promise.reject(error);
      }
      return refresh(client);
    },
    markReset() {
      reset = true;
      cached = undefined;
      cachedUntil = 0;
      cachedCreds = undefined;
      if (client !== undefined) {
        const cleared: Credentials = {};
        client.setCredentials(cleared);
        if ("_refreshToken" in client) {
          (client as { _refreshToken?: string | null })._refreshToken = null;
        }
        resetCreds = client.credentials;
      }
    },
    setCredentials(next) {
      load(next);
    },
  };
  load(auth);
  return self;
}

async function fromGoogleAuth(auth: GoogleAuth): Promise<OAuth2Client> {
  let resolved: object;
  try {
    resolved = await auth.getClient();
  } catch (e) {
    throw new ConnectError(
      "could not load Google credentials for the Data Portability API (it needs an authorized_user credential)",
      Code.Unauthenticated,
      undefined,
      undefined,
      sanitizedError(e, []),
    );
  }
  return requireEndUserClient(resolved);
}

async function applicationDefault(): Promise<OAuth2Client> {
  const { GoogleAuth } = await loadGoogleAuthLibrary("application default credentials");
  return fromGoogleAuth(new GoogleAuth());
}
