/**
 * The OAuth 2.0 endpoints: `POST /token` (refresh-token grant) and
 * `POST /revoke`, compatible with google-auth-library's OAuth2Client when its
 * `endpoints` point here. Errors use OAuth's JSON shape
 * `{"error": "...", "error_description": "..."}`. Tokens are never logged.
 */
import { ConnectError } from "@connectrpc/connect";
import { httpStatusFromCode } from "../rest/http-status.js";
import type { EmulatorCore } from "./core.js";
import { faultError, parseCode, type FaultEffect } from "./faults.js";
import { BodyTooLargeError, mediaType, readBody, requestQuery, sendJson } from "./http-io.js";
import type { NodeServerRequest, NodeServerResponse } from "../rest/server/index.js";

/** An OAuth error response. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function sendOAuthError(res: NodeServerResponse, err: OAuthError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, { error: err.error, error_description: err.description }, headers);
}

/** Parses a form (or JSON object) body into string parameters. */
async function readParams(req: NodeServerRequest, limit: number): Promise<URLSearchParams> {
  const bytes = await readBody(req, limit);
  if (bytes.length === 0) return new URLSearchParams();
  const type = mediaType(req);
  const text = Buffer.from(bytes).toString("utf8");
  if (type === "application/x-www-form-urlencoded") return new URLSearchParams(text);
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OAuthError(400, "invalid_request", "The request body is not valid JSON.");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new OAuthError(400, "invalid_request", "The request body must be a JSON object.");
    }
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== "string") throw new OAuthError(400, "invalid_request", `Parameter ${key} must be a string.`);
      params.set(key, value);
    }
    return params;
  }
  throw new OAuthError(
    415,
    "invalid_request",
    `Unsupported content type ${JSON.stringify(type)}; send application/x-www-form-urlencoded.`,
  );
}

/** Client id and secret from the body or from HTTP Basic authentication. */
function clientCredentials(req: NodeServerRequest, params: URLSearchParams): { id: string | null; secret: string | null } {
  const header = req.headers.authorization;
  if (typeof header === "string" && /^basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ""), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) {
      return { id: decodeURIComponentSafe(decoded.slice(0, colon)), secret: decodeURIComponentSafe(decoded.slice(colon + 1)) };
    }
  }
  return { id: params.get("client_id"), secret: params.get("client_secret") };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function requireParam(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === "") throw new OAuthError(400, "invalid_request", `Missing required parameter: ${name}`);
  return value;
}

async function token(core: EmulatorCore, req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
  if (req.method !== "POST") throw new OAuthError(405, "invalid_request", "The token endpoint accepts POST only.");
  const params = await readParams(req, core.maxBodyBytes);
  const client = clientCredentials(req, params);
  if (client.id === null || client.id === "") throw new OAuthError(400, "invalid_request", "Missing required parameter: client_id");
  if (client.id !== core.clientId) throw new OAuthError(401, "invalid_client", "The OAuth client was not found.");
  if (client.secret !== core.clientSecret) throw new OAuthError(401, "invalid_client", "Unauthorized");
  const grantType = requireParam(params, "grant_type");
  if (grantType !== "refresh_token") {
    throw new OAuthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType}`);
  }
  const result = core.oauth.refresh(requireParam(params, "refresh_token"));
  if (!result.ok) throw new OAuthError(400, "invalid_grant", "Token has been expired or revoked.");
  sendJson(res, 200, {
    access_token: result.accessToken,
    expires_in: result.expiresIn,
    scope: result.scope,
    token_type: "Bearer",
    ...(result.refreshToken === undefined ? {} : { refresh_token: result.refreshToken }),
  });
}

async function revoke(core: EmulatorCore, req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
  if (req.method !== "POST" && req.method !== "GET") {
    throw new OAuthError(405, "invalid_request", "The revocation endpoint accepts POST.");
  }
  const params = await readParams(req, core.maxBodyBytes);
  const value = params.get("token") ?? requestQuery(req).get("token");
  if (value === null || value === "") throw new OAuthError(400, "invalid_request", "Missing required parameter: token");
  if (!core.oauth.revoke(value)) throw new OAuthError(400, "invalid_token", "Token expired or revoked");
  sendJson(res, 200, {});
}

/** The OAuth error for an injected "error" fault: status from the code, Retry-After kept. */
function faultResponse(res: NodeServerResponse, effect: Extract<FaultEffect, { type: "error" }>, name: string): void {
  const error = faultError(effect, name);
  const status = httpStatusFromCode(parseCode(effect.code) ?? error.code);
  const kind = status === 429 || status === 503 ? "temporarily_unavailable" : status >= 500 ? "server_error" : "invalid_request";
  const headers: Record<string, string> = {};
  error.metadata.forEach((value, key) => (headers[key] = value));
  sendOAuthError(res, new OAuthError(status, kind, error.rawMessage), headers);
}

/**
 * Serves `/token` or `/revoke`; `fault` is an injected error to answer with instead.
 */
export async function serveOAuth(
  core: EmulatorCore,
  kind: "token" | "revoke",
  req: NodeServerRequest,
  res: NodeServerResponse,
  fault: Extract<FaultEffect, { type: "error" }> | undefined,
): Promise<void> {
  if (fault !== undefined) {
    faultResponse(res, fault, kind);
    return;
  }
  try {
    await (kind === "token" ? token(core, req, res) : revoke(core, req, res));
  } catch (err) {
    if (err instanceof OAuthError) sendOAuthError(res, err);
    else if (err instanceof BodyTooLargeError) sendOAuthError(res, new OAuthError(413, "invalid_request", err.message));
    else if (err instanceof ConnectError) sendOAuthError(res, new OAuthError(400, "invalid_request", err.rawMessage));
    else throw err;
  }
}
