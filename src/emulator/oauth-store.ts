/**
 * Consents ("grants"), refresh tokens and access tokens, with their
 * lifetimes on the virtual clock. Tokens are opaque random strings; the
 * tables hold only their hashes.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { SCOPE_PREFIX } from "../scopes.js";
import type { VirtualClock } from "./clock.js";
import type { EmulatorSettings } from "./options.js";
import { randomSecret, secretHash } from "./secrets.js";

/** Access type a user picks at consent. */
export type ConsentAccessType = "one-time" | "time-based";

/** A consent: what a user granted to a project. */
export interface ConsentRequest {
  /** The consenting user. Default "user@example.com". */
  user?: string;
  /** The project (OAuth client's project) the consent is for. Default "emulator-project". */
  project?: string;
  /** Resource group names, e.g. `["myactivity.search"]`. An empty list yields a token without any dataportability scope. */
  resources: readonly string[];
  /** "one-time" (default) or "time-based". */
  accessType?: ConsentAccessType;
  /** Days of time-based access: 30 or 180 (default 30). Only with "time-based". */
  days?: 30 | 180;
}

/** The tokens a consent yields. */
export interface ConsentTokens {
  /** A bearer access token, valid for `expiresIn` seconds of virtual time. */
  accessToken: string;
  /** A refresh token for `POST /token`. */
  refreshToken: string;
  /** Access token lifetime in seconds. */
  expiresIn: number;
}

/** A stored consent. */
export interface Grant {
  /** Sequential id, for inspection. */
  readonly id: number;
  /** The consenting user. */
  readonly user: string;
  /** The project the consent is for. */
  readonly project: string;
  /** The granted resource groups. */
  readonly resources: readonly string[];
  /** One-time or time-based access (for every granted group). */
  readonly accessType: ConsentAccessType;
  /** 30 or 180 for time-based grants. */
  readonly days: number | undefined;
  /** Virtual ms of the consent. */
  readonly grantedAt: number;
  /** End of a time-based grant (virtual ms); undefined for one-time grants. */
  readonly expiresAt: number | undefined;
  /** Set by a reset (every grant of the user and project). */
  revoked: boolean;
}

interface RefreshRecord {
  grant: Grant;
  revoked: boolean;
}

interface AccessRecord {
  grant: Grant;
  family: RefreshRecord;
  expiresAt: number;
  revoked: boolean;
}

/** Outcome of checking a bearer token. */
export type AuthenticateResult =
  | { ok: true; grant: Grant }
  | { ok: false; reason: "expired" | "invalid" };

/** Outcome of a refresh-token grant. */
export type RefreshResult =
  | { ok: true; accessToken: string; expiresIn: number; scope: string; refreshToken: string | undefined }
  | { ok: false };

/** Token counts, without any token value. */
export interface TokenCounts {
  /** Access tokens ever issued. */
  accessTokens: number;
  /** Access tokens neither expired nor revoked. */
  activeAccessTokens: number;
  /** Refresh tokens ever issued. */
  refreshTokens: number;
  /** Refresh tokens neither revoked nor past their grant's end. */
  activeRefreshTokens: number;
}

/** The OAuth state of the emulator. */
export interface OAuthStore {
  /** Records a consent and issues its first tokens. @throws ConnectError INVALID_ARGUMENT for a bad request. */
  consent(request: ConsentRequest): ConsentTokens;
  /** Exchanges a refresh token for a new access token. */
  refresh(refreshToken: string): RefreshResult;
  /** Revokes a token and its family (refresh token and every access token of it). Returns false for unknown tokens. */
  revoke(token: string): boolean;
  /** Resolves a bearer access token to its grant. */
  authenticate(accessToken: string): AuthenticateResult;
  /** Revokes every grant and token of a (user, project) pair; returns how many grants were revoked. */
  revokeAll(user: string, project: string): number;
  /** Every grant, newest last. */
  grants(): readonly Grant[];
  /** Token counts. */
  counts(): TokenCounts;
}

/** Dependencies of the OAuth store. */
export interface OAuthStoreOptions {
  clock: VirtualClock;
  settings: () => Readonly<EmulatorSettings>;
  isKnownGroup: (group: string) => boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Space-joined scope URLs of a grant, as `POST /token` reports them. */
export function scopeString(grant: Grant): string {
  return grant.resources.map((group) => SCOPE_PREFIX + group).join(" ");
}

function checkConsent(request: ConsentRequest, isKnownGroup: (group: string) => boolean): Required<ConsentRequest> {
  const bad = (message: string) => new ConnectError(message, Code.InvalidArgument);
  if (request === null || typeof request !== "object") throw bad("consent needs an object");
  const user = request.user ?? "user@example.com";
  const project = request.project ?? "emulator-project";
  if (typeof user !== "string" || user === "") throw bad(`consent user must be a non-empty string, got ${JSON.stringify(user)}`);
  if (typeof project !== "string" || project === "") {
    throw bad(`consent project must be a non-empty string, got ${JSON.stringify(project)}`);
  }
  if (!Array.isArray(request.resources)) throw bad("consent resources must be an array of resource group names");
  for (const group of request.resources as unknown[]) {
    if (typeof group !== "string" || !isKnownGroup(group)) {
      throw bad(`consent names an unknown resource group ${JSON.stringify(group)}`);
    }
  }
  const accessType = request.accessType ?? "one-time";
  if (accessType !== "one-time" && accessType !== "time-based") {
    throw bad(`consent accessType must be "one-time" or "time-based", got ${JSON.stringify(accessType)}`);
  }
  const days = request.days ?? 30;
  if (accessType === "time-based" && days !== 30 && days !== 180) {
    throw bad(`consent days must be 30 or 180 for time-based access, got ${JSON.stringify(days)}`);
  }
  if (accessType === "one-time" && request.days !== undefined) {
    throw bad("consent days applies only to time-based access");
  }
  return { user, project, resources: [...new Set(request.resources)], accessType, days };
}

/** Creates an empty OAuth store. */
export function createOAuthStore(options: OAuthStoreOptions): OAuthStore {
  const { clock, settings, isKnownGroup } = options;
  const grantList: Grant[] = [];
  const refreshTokens = new Map<string, RefreshRecord>();
  const accessTokens = new Map<string, AccessRecord>();

  const grantUsable = (grant: Grant) =>
    !grant.revoked && (grant.expiresAt === undefined || clock.nowMs() < grant.expiresAt);

  function issueAccess(family: RefreshRecord): { token: string; expiresIn: number } {
    const token = randomSecret("ya29.emu-");
    const ttl = settings().accessTokenTtlMs;
    accessTokens.set(secretHash(token), {
      grant: family.grant,
      family,
      expiresAt: clock.nowMs() + ttl,
      revoked: false,
    });
    return { token, expiresIn: Math.floor(ttl / 1000) };
  }

  function issueRefresh(grant: Grant): { token: string; record: RefreshRecord } {
    const token = randomSecret("1//emu-");
    const record: RefreshRecord = { grant, revoked: false };
    refreshTokens.set(secretHash(token), record);
    return { token, record };
  }

  function revokeFamily(family: RefreshRecord): void {
    family.revoked = true;
    for (const access of accessTokens.values()) {
      if (access.family === family) access.revoked = true;
    }
  }

  return {
    consent(request) {
      const checked = checkConsent(request, isKnownGroup);
      const now = clock.nowMs();
      const grant: Grant = {
        id: grantList.length + 1,
        user: checked.user,
        project: checked.project,
        resources: Object.freeze(checked.resources),
        accessType: checked.accessType,
        days: checked.accessType === "time-based" ? checked.days : undefined,
        grantedAt: now,
        expiresAt: checked.accessType === "time-based" ? now + checked.days * DAY_MS : undefined,
        revoked: false,
      };
      grantList.push(grant);
      const refresh = issueRefresh(grant);
      const access = issueAccess(refresh.record);
      return { accessToken: access.token, refreshToken: refresh.token, expiresIn: access.expiresIn };
    },

    refresh(refreshToken) {
      const family = refreshTokens.get(secretHash(refreshToken));
      if (family === undefined || family.revoked || !grantUsable(family.grant)) return { ok: false };
      let current = family;
      let rotated: string | undefined;
      if (settings().rotateRefreshTokens) {
        const next = issueRefresh(family.grant);
        revokeFamily(family);
        current = next.record;
        rotated = next.token;
      }
      const access = issueAccess(current);
      return {
        ok: true,
        accessToken: access.token,
        expiresIn: access.expiresIn,
        scope: scopeString(family.grant),
        refreshToken: rotated,
      };
    },

    revoke(token) {
      const hash = secretHash(token);
      const family = refreshTokens.get(hash) ?? accessTokens.get(hash)?.family;
      if (family === undefined) return false;
      revokeFamily(family);
      return true;
    },

    authenticate(accessToken) {
      const record = accessTokens.get(secretHash(accessToken));
      if (record === undefined || record.revoked || record.grant.revoked) return { ok: false, reason: "invalid" };
      if (!grantUsable(record.grant) || clock.nowMs() >= record.expiresAt) return { ok: false, reason: "expired" };
      return { ok: true, grant: record.grant };
    },

    revokeAll(user, project) {
      let count = 0;
      for (const grant of grantList) {
        if (grant.user === user && grant.project === project && !grant.revoked) {
          grant.revoked = true;
          count++;
        }
      }
      for (const record of refreshTokens.values()) {
        if (record.grant.revoked) record.revoked = true;
      }
      for (const record of accessTokens.values()) {
        if (record.grant.revoked) record.revoked = true;
      }
      return count;
    },

    grants: () => grantList,

    counts() {
      const now = clock.nowMs();
      let activeAccessTokens = 0;
      for (const record of accessTokens.values()) {
        if (!record.revoked && grantUsable(record.grant) && now < record.expiresAt) activeAccessTokens++;
      }
      let activeRefreshTokens = 0;
      for (const record of refreshTokens.values()) {
        if (!record.revoked && grantUsable(record.grant)) activeRefreshTokens++;
      }
      return {
        accessTokens: accessTokens.size,
        activeAccessTokens,
        refreshTokens: refreshTokens.size,
        activeRefreshTokens,
      };
    },
  };
}
