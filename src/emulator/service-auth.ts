/**
 * Bearer-token checks of every RPC, for every protocol.
 */
import type { HandlerContext } from "@connectrpc/connect";
import type { EmulatorCore } from "./core.js";
import { credentialsMissing, invalidCredentials, resourcesNotAuthorized, scopeInsufficient } from "./errors.js";
import type { Grant } from "./oauth-store.js";

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerToken(header: string | null): string | undefined {
  if (header === null) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The grant behind the call's access token.
 *
 * @throws ConnectError UNAUTHENTICATED (missing, expired, revoked or unknown
 * token) or PERMISSION_DENIED (no dataportability scope).
 */
export function authenticateCall(core: EmulatorCore, ctx: HandlerContext): Grant {
  const method = `${ctx.service.typeName}.${ctx.method.name}`;
  const token = bearerToken(ctx.requestHeader.get("authorization"));
  if (token === undefined) throw credentialsMissing(method);
  const result = core.oauth.authenticate(token);
  if (!result.ok) throw invalidCredentials(method, result.reason);
  if (result.grant.resources.length === 0) throw scopeInsufficient(method);
  return result.grant;
}

/**
 * Checks that the grant covers every group.
 *
 * @throws ConnectError PERMISSION_DENIED with a DebugInfo detail.
 */
export function requireGroups(grant: Grant, groups: readonly string[]): void {
  const missing = groups.filter((group) => !grant.resources.includes(group));
  if (missing.length > 0) throw resourcesNotAuthorized(missing);
}
