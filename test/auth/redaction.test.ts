import { createServer } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { GoogleAuth, JWT, OAuth2Client } from "google-auth-library";
import { createDataPortabilityClient } from "../../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "./fake-google.js";
import { consentedClient, fakeServiceAccountJson, rejection } from "./helpers.js";

let fake: FakeGoogle;
let slowFake: FakeGoogle;
let closedPort: number;

beforeAll(async () => {
  fake = await startFakeGoogle();
  slowFake = await startFakeGoogle({ tokenDelayMs: 2_000 });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  await fake.close();
  await slowFake.close();
});

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString("latin1");
    if (v instanceof Headers) return Object.fromEntries(v);
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[cycle]";
      seen.add(v);
    }
    return v;
  }) ?? "";
}

/** Every text a log line or a serializer could produce from `err`, recursively through causes. */
function renderings(err: unknown, depth = 0): string[] {
  if (depth > 6 || typeof err !== "object" || err === null) return [String(err)];
  const out = [inspect(err, { depth: 10, showHidden: true }), safeJson(err), String(err)];
  if (err instanceof Error) out.push(err.message, err.stack ?? "");
  for (const [key, value] of Object.entries(err)) {
    out.push(key, safeJson(value), String(value));
    if (typeof value === "object" && value !== null) out.push(...renderings(value, depth + 1));
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) out.push(...renderings(cause, depth + 1));
  return out;
}

function expectNoSecrets(err: unknown, secrets: readonly string[]): void {
  expect(err).toBeInstanceOf(ConnectError);
  const texts = renderings(err).join("\n");
  for (const s of secrets) {
    expect(texts.includes(s), `secret ${s.slice(0, 12)}… leaked`).toBe(false);
  }
}

function allSecrets(...extra: string[]): string[] {
  return [...fake.issued, ...slowFake.issued, fake.clientSecret, slowFake.clientSecret, ...extra];
}

describe("no token in any error", () => {
  it("token endpoint errors echoing the refresh token (JSON and HTML bodies)", async () => {
    const auth = consentedClient(fake);
    const refreshToken = auth.credentials.refresh_token!;
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth, retry: false });
    fake.expireAccessTokens();
    fake.failTokenEndpointOnce(400, { error: "invalid_grant", error_description: `bad grant ${refreshToken}` });
    const e1 = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(e1.code).toBe(Code.Unauthenticated);
    expect(e1.rawMessage).toContain("[REDACTED]");
    expectNoSecrets(e1, allSecrets());

    fake.failTokenEndpointOnce(502, `<html><body>proxy error for ${refreshToken} secret=${fake.clientSecret}</body></html>`);
    const e2 = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(e2.code).toBe(Code.Unavailable);
    expectNoSecrets(e2, allSecrets());
  });

  it("an unreachable and a slow token endpoint", async () => {
    const unreachable = new OAuth2Client({
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      endpoints: { oauth2TokenUrl: `http://127.0.0.1:${closedPort}/token` },
    });
    unreachable.setCredentials({ refresh_token: "1//refresh-token-unreachable-case" });
    const c1 = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: unreachable, retry: false });
    const e1 = (await rejection(c1.checkAccessType({}))) as ConnectError;
    expect(e1.code).toBe(Code.Unavailable);
    expect(e1.rawMessage).toMatch(/ECONNREFUSED/);
    expectNoSecrets(e1, allSecrets("1//refresh-token-unreachable-case"));

    const slow = consentedClient(slowFake);
    slow.setCredentials({ refresh_token: slow.credentials.refresh_token! });
    const c2 = createDataPortabilityClient({
      protocol: "connect",
      baseUrl: slowFake.url,
      auth: slow,
      tokenTimeoutMs: 200,
      retry: false,
    });
    const e2 = (await rejection(c2.checkAccessType({}))) as ConnectError;
    expect(e2.code).toBe(Code.Unavailable);
    expect(e2.rawMessage).toMatch(/did not answer within 200 ms/);
    expectNoSecrets(e2, allSecrets());
  });

  it("API errors, the reset error, guards, rejected credential types and refresh handlers", async () => {
    const errors: unknown[] = [];
    const { accessToken } = fake.consent();
    const staticClient = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: accessToken });
    await staticClient.checkAccessType({});
    await staticClient.resetAuthorization({});
    errors.push(await rejection(staticClient.checkAccessType({}))); // reset error

    const revoked = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: { accessToken } });
    errors.push(await rejection(revoked.checkAccessType({}))); // server 401

    try {
      createDataPortabilityClient({ baseUrl: "http://example.com", auth: accessToken });
    } catch (e) {
      errors.push(e);
    }

    const sa = fakeServiceAccountJson();
    try {
      createDataPortabilityClient({ auth: new JWT({ email: sa["client_email"], key: sa["private_key"] }) });
    } catch (e) {
      errors.push(e);
    }
    const gAuth = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: new GoogleAuth({ credentials: sa }) });
    errors.push(await rejection(gAuth.checkAccessType({})));
    const missingFile = createDataPortabilityClient({
      protocol: "connect",
      baseUrl: fake.url,
      auth: new GoogleAuth({ keyFile: "/nonexistent/dpc-key.json" }),
    });
    errors.push(await rejection(missingFile.checkAccessType({})));

    const handlerClient = new OAuth2Client();
    const old = fake.consent().accessToken;
    handlerClient.setCredentials({ access_token: old, expiry_date: Date.now() - 1 });
    handlerClient.refreshHandler = async () => {
      throw new Error(`refresh failed for ${old}`);
    };
    const handled = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: handlerClient });
    errors.push(await rejection(handled.checkAccessType({})));

    expect(errors).toHaveLength(7);
    expect(errors.map((e) => (e as ConnectError).code)).toEqual([
      Code.Unauthenticated,
      Code.Unauthenticated,
      Code.FailedPrecondition,
      Code.FailedPrecondition,
      Code.FailedPrecondition,
      Code.Unauthenticated,
      Code.Unauthenticated,
    ]);
    for (const e of errors) expectNoSecrets(e, allSecrets(accessToken, sa["private_key"]!));
  });
});
