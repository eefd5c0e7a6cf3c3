/**
 * A small stand-in for Google's OAuth token endpoint and the Data
 * Portability API, on real loopback sockets: connect-node serves the RPCs
 * over HTTP/1.1 (Connect, gRPC-web) and h2c (gRPC); POST /token implements
 * the refresh_token grant (optionally rotating refresh tokens). Tests steer
 * it (revoke tokens, expire tokens, fail the token endpoint) and read what
 * it saw (token-endpoint hits, request headers).
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DataPortabilityService, AccessType, PortabilityArchiveState_State } from "../../src/index.js";

/** What a fake API handler sees. */
export interface SeenRequest {
  method: string;
  authorization: string | null;
  userProject: string | null;
}

/** Options of {@link startFakeGoogle}. */
export interface FakeGoogleOptions {
  clientId?: string;
  clientSecret?: string;
  /** Return a new refresh token on every refresh and invalidate the old one. */
  rotateRefreshTokens?: boolean;
  /** Real ms the token endpoint waits before answering. */
  tokenDelayMs?: number;
  /** Access token lifetime the token endpoint reports (seconds). */
  expiresIn?: number;
  /** Overrides of RPC implementations (after the auth check). */
  impl?: Partial<ServiceImpl<typeof DataPortabilityService>>;
}

/** A running fake. */
export interface FakeGoogle {
  /** HTTP/1.1 URL (Connect, gRPC-web, token endpoint). */
  readonly url: string;
  /** h2c URL (gRPC). */
  readonly h2Url: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Number of POST /token requests so far. */
  readonly tokenHits: number;
  /** Form bodies the token endpoint received. */
  readonly tokenRequests: URLSearchParams[];
  /** RPCs the API received. */
  readonly seen: SeenRequest[];
  /** Issues a consent: a fresh access + refresh token pair. */
  consent(options?: { scopes?: boolean }): { accessToken: string; refreshToken: string };
  /** Makes every current access token invalid (as if expired server-side). */
  expireAccessTokens(): void;
  /** Next token-endpoint answer: an HTTP status and JSON body, once. */
  failTokenEndpointOnce(status: number, body: unknown): void;
  /** Every token string the fake ever issued. */
  readonly issued: string[];
  close(): Promise<void>;
}


/** Starts the fake on 127.0.0.1 (random ports). */
export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const clientId = options.clientId ?? "fake-client-id.apps.googleusercontent.com";
  const clientSecret = options.clientSecret ?? `GOCSPX-${randomBytes(9).toString("hex")}`;
  const access = new Map<string, { refresh: string; scopes: boolean }>();
  const refresh = new Map<string, { scopes: boolean }>();
  const issued: string[] = [];
  const tokenRequests: URLSearchParams[] = [];
  const seen: SeenRequest[] = [];
  let tokenHits = 0;
  let tokenFailure: { status: number; body: unknown } | undefined;

  const newAccess = (refreshToken: string, scopes: boolean) => {
    const token = `ya29.fake-access-${randomBytes(12).toString("hex")}`;
    access.set(token, { refresh: refreshToken, scopes });
    issued.push(token);
    return token;
  };
  const newRefresh = (scopes: boolean) => {
    const token = `1//fake-refresh-${randomBytes(12).toString("hex")}`;
    refresh.set(token, { scopes });
    issued.push(token);
    return token;
  };

  const authenticate = (ctx: HandlerContext) => {
    const header = ctx.requestHeader.get("authorization");
    seen.push({ method: ctx.method.name, authorization: header, userProject: ctx.requestHeader.get("x-goog-user-project") });
    const token = /^Bearer (\S+)$/.exec(header ?? "")?.[1];
    if (token === undefined) throw new ConnectError("Request is missing required authentication credential.", Code.Unauthenticated);
    const grant = access.get(token);
    if (grant === undefined) throw new ConnectError("Request had invalid authentication credentials.", Code.Unauthenticated);
    if (!grant.scopes) throw new ConnectError("Request had insufficient authentication scopes.", Code.PermissionDenied);
    return token;
  };

  let jobs = 0;
  const impl: ServiceImpl<typeof DataPortabilityService> = {
    initiatePortabilityArchive: (_req, ctx) => {
      authenticate(ctx);
      return { archiveJobId: `job-${++jobs}`, accessType: AccessType.ONE_TIME };
    },
    getPortabilityArchiveState: (req, ctx) => {
      authenticate(ctx);
      return { name: req.name, state: PortabilityArchiveState_State.IN_PROGRESS };
    },
    retryPortabilityArchive: (_req, ctx) => {
      authenticate(ctx);
      return { archiveJobId: `job-${++jobs}` };
    },
    cancelPortabilityArchive: (_req, ctx) => {
      authenticate(ctx);
      return {};
    },
    resetAuthorization: (_req, ctx) => {
      const token = authenticate(ctx);
      const family = access.get(token)?.refresh;
      for (const [a, g] of access) if (g.refresh === family) access.delete(a);
      if (family !== undefined) refresh.delete(family);
      return {};
    },
    checkAccessType: (_req, ctx) => {
      authenticate(ctx);
      return { oneTimeResources: ["myactivity.search"], timeBasedResources: [] };
    },
  };
  // Overrides run after the same bearer check as the defaults.
  const wrapped: Record<string, unknown> = { ...impl };
  for (const [name, fn] of Object.entries(options.impl ?? {})) {
    const override = fn as (req: unknown, ctx: HandlerContext) => unknown;
    wrapped[name] = (req: unknown, ctx: HandlerContext) => {
      authenticate(ctx);
      return override(req, ctx);
    };
  }
  const adapter = connectNodeAdapter({
    routes: (router) => router.service(DataPortabilityService, wrapped as ServiceImpl<typeof DataPortabilityService>),
    fallback: (req, res) => {
      if (req.method === "POST" && req.url === "/token") {
        void tokenEndpoint(req as http.IncomingMessage, res as http.ServerResponse);
        return;
      }
      res.writeHead(404);
      res.end();
    },
  });

  async function tokenEndpoint(req: http.IncomingMessage, res: http.ServerResponse) {
    tokenHits++;
    let text = "";
    for await (const chunk of req) text += String(chunk);
    const form = new URLSearchParams(text);
    tokenRequests.push(form);
    if (options.tokenDelayMs) await new Promise((r) => setTimeout(r, options.tokenDelayMs));
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (tokenFailure !== undefined) {
      const f = tokenFailure;
      tokenFailure = undefined;
      return reply(f.status, f.body);
    }
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
      return reply(401, { error: "invalid_client", error_description: "The OAuth client was not found." });
    }
    const rt = form.get("refresh_token") ?? "";
    const grant = form.get("grant_type") === "refresh_token" ? refresh.get(rt) : undefined;
    if (grant === undefined) {
      return reply(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
    }
    let family = rt;
    let rotated: string | undefined;
    if (options.rotateRefreshTokens) {
      refresh.delete(rt);
      rotated = newRefresh(grant.scopes);
      family = rotated;
      for (const g of access.values()) if (g.refresh === rt) g.refresh = family;
    }
    const token = newAccess(family, grant.scopes);
    reply(200, {
      access_token: token,
      expires_in: options.expiresIn ?? 3599,
      token_type: "Bearer",
      scope: "https://www.googleapis.com/auth/dataportability.myactivity.search",
      ...(rotated !== undefined ? { refresh_token: rotated } : {}),
    });
  }

  const server1 = http.createServer(adapter);
  const server2 = http2.createServer(adapter);
  await Promise.all([
    new Promise<void>((r) => server1.listen(0, "127.0.0.1", r)),
    new Promise<void>((r) => server2.listen(0, "127.0.0.1", r)),
  ]);
  const sessions = new Set<http2.ServerHttp2Session>();
  server2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  const url = `http://127.0.0.1:${(server1.address() as AddressInfo).port}`;
  const h2Url = `http://127.0.0.1:${(server2.address() as AddressInfo).port}`;
  return {
    url,
    h2Url,
    tokenUrl: `${url}/token`,
    clientId,
    clientSecret,
    get tokenHits() {
      return tokenHits;
    },
    tokenRequests,
    seen,
    issued,
    consent({ scopes = true } = {}) {
      const refreshToken = newRefresh(scopes);
      return { refreshToken, accessToken: newAccess(refreshToken, scopes) };
    },
    expireAccessTokens() {
      access.clear();
    },
    failTokenEndpointOnce(status, body) {
      tokenFailure = { status, body };
    },
    async close() {
      server1.closeAllConnections();
      for (const s of sessions) s.destroy();
      await Promise.all([
        new Promise<void>((r) => server1.close(() => r())),
        new Promise<void>((r) => server2.close(() => r())),
      ]);
    },
  };
}
