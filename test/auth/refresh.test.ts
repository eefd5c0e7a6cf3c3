import { afterEach, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { OAuth2Client, type Credentials } from "google-auth-library";
import { createDataPortabilityClient } from "../../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "./fake-google.js";
import { consentedClient, refreshOnlyClient, rejection } from "./helpers.js";

let fake: FakeGoogle | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("refresh on UNAUTHENTICATED", () => {
  it("refreshes once and replays when the server rejects a token whose cached expiry looks valid", async () => {
    fake = await startFakeGoogle();
    const auth = consentedClient(fake);
    const oldToken = auth.credentials.access_token;
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    await client.checkAccessType({});
    expect(fake.tokenHits).toBe(0);

    fake.expireAccessTokens(); // server-side: revoked/expired early; expiry_date still an hour away
    const seenBefore = fake.seen.length;
    const res = await client.checkAccessType({});
    expect(res.oneTimeResources).toEqual(["myactivity.search"]);
    expect(fake.tokenHits).toBe(1);
    const attempts = fake.seen.slice(seenBefore);
    expect(attempts.map((s) => s.authorization)).toEqual([
      `Bearer ${oldToken}`,
      `Bearer ${auth.credentials.access_token}`,
    ]);
    expect(auth.credentials.access_token).not.toBe(oldToken);
    expect(fake.tokenRequests[0]?.get("grant_type")).toBe("refresh_token");
  });

  it("replays only once: a second UNAUTHENTICATED surfaces", async () => {
    fake = await startFakeGoogle({
      impl: {
        checkAccessType() {
          throw new ConnectError("token rejected", Code.Unauthenticated);
        },
      },
    });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: consentedClient(fake) });
    const err = await rejection(client.checkAccessType({}));
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
    expect(fake.tokenHits).toBe(1);
    expect(fake.seen.filter((s) => s.method === "CheckAccessType")).toHaveLength(2);
  });

  it("refreshes once for many concurrent calls (single flight)", async () => {
    fake = await startFakeGoogle({ tokenDelayMs: 150 });
    const auth = consentedClient(fake);
    const client = createDataPortabilityClient({ protocol: "grpc", baseUrl: fake.h2Url, auth });
    await client.checkAccessType({});
    fake.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 25 }, () => client.checkAccessType({})));
    expect(results).toHaveLength(25);
    expect(fake.tokenHits).toBe(1);
    // And calls made while the cached token is valid never touch the token endpoint.
    await Promise.all(Array.from({ length: 10 }, () => client.checkAccessType({})));
    expect(fake.tokenHits).toBe(1);
  });

  it("refreshes a token that is about to expire before sending, once for concurrent calls", async () => {
    fake = await startFakeGoogle({ tokenDelayMs: 50 });
    const auth = consentedClient(fake);
    auth.setCredentials({ ...auth.credentials, expiry_date: Date.now() + 1000 }); // inside the 5 min margin
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const seenBefore = fake.seen.length;
    await Promise.all(Array.from({ length: 5 }, () => client.checkAccessType({})));
    expect(fake.tokenHits).toBe(1);
    const sent = new Set(fake.seen.slice(seenBefore).map((s) => s.authorization));
    expect(sent).toEqual(new Set([`Bearer ${auth.credentials.access_token}`]));
  });

  it("never refreshes on PERMISSION_DENIED", async () => {
    fake = await startFakeGoogle();
    const auth = consentedClient(fake, { scopes: false });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const err = await rejection(client.checkAccessType({}));
    expect((err as ConnectError).code).toBe(Code.PermissionDenied);
    expect(fake.tokenHits).toBe(0);
    expect(fake.seen).toHaveLength(1);
  });

  it("a refused refresh (invalid_grant) fails with UNAUTHENTICATED asking for new consent", async () => {
    fake = await startFakeGoogle();
    const auth = consentedClient(fake);
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    fake.expireAccessTokens();
    fake.failTokenEndpointOnce(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
    const err = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toMatch(/invalid_grant/);
    expect(err.rawMessage).toMatch(/consent/);
  });

  it("a token endpoint 5xx is UNAVAILABLE (and CheckAccessType is retried)", async () => {
    fake = await startFakeGoogle();
    const auth = consentedClient(fake);
    const client = createDataPortabilityClient({
      protocol: "connect",
      baseUrl: fake.url,
      auth,
      retry: { initialBackoffMs: 10, jitter: 0 },
    });
    fake.expireAccessTokens();
    fake.failTokenEndpointOnce(503, { error: "backend_error" });
    await expect(client.checkAccessType({})).resolves.toBeDefined();
    expect(fake.tokenHits).toBe(2);
  });

  it("a static token cannot be refreshed: the 401 surfaces without touching the token endpoint", async () => {
    fake = await startFakeGoogle();
    const { accessToken } = fake.consent();
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: { accessToken } });
    await client.checkAccessType({});
    fake.expireAccessTokens();
    const err = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.Unauthenticated);
    expect(fake.tokenHits).toBe(0);
  });
});

describe("deadlines while refreshing", () => {
  it("a call waiting on a slow token endpoint settles by its deadline; a user abort cancels it", async () => {
    fake = await startFakeGoogle({ tokenDelayMs: 3_000 });
    const auth = consentedClient(fake);
    auth.setCredentials({ ...auth.credentials, expiry_date: Date.now() - 1 });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth, timeoutMs: 300 });
    const started = Date.now();
    const err = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2_500);

    const controller = new AbortController();
    const call = client.checkAccessType({}, { signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 50);
    expect(((await rejection(call)) as ConnectError).code).toBe(Code.Canceled);
    expect(fake.seen).toHaveLength(0);
  });
});

describe("rotated refresh tokens", () => {
  it("keeps the new refresh token (OAuth2Client), so the next refresh still works", async () => {
    fake = await startFakeGoogle({ rotateRefreshTokens: true });
    const auth = consentedClient(fake);
    const first = auth.credentials.refresh_token;
    const events: Credentials[] = [];
    auth.on("tokens", (t: Credentials) => events.push(t));
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });

    fake.expireAccessTokens();
    await client.checkAccessType({});
    const second = auth.credentials.refresh_token;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(fake.tokenRequests[0]?.get("refresh_token")).toBe(first);
    expect(events.map((e) => e.refresh_token)).toEqual([second]);

    // The old refresh token is dead server-side: only the rotated one works.
    fake.expireAccessTokens();
    await client.checkAccessType({});
    expect(fake.tokenHits).toBe(2);
    expect(fake.tokenRequests[1]?.get("refresh_token")).toBe(second);
    expect(auth.credentials.refresh_token).not.toBe(second);
  });

  it("keeps it on a UserRefreshClient too (which refreshes from its own field)", async () => {
    fake = await startFakeGoogle({ rotateRefreshTokens: true });
    const auth = refreshOnlyClient(fake);
    const refreshToken = auth.credentials.refresh_token;
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    await client.checkAccessType({}); // no access token yet: refresh first
    fake.expireAccessTokens();
    await client.checkAccessType({});
    expect(fake.tokenHits).toBe(2);
    const [r1, r2] = fake.tokenRequests.map((f) => f.get("refresh_token"));
    expect(r1).toBe(refreshToken);
    expect(r2).not.toBe(refreshToken);
    // The library's own refresh would now also use the rotated token.
    await expect(auth.refreshAccessToken()).resolves.toBeDefined();
  });

  it("(baseline) google-auth-library's own refresh drops the rotated token", async () => {
    fake = await startFakeGoogle({ rotateRefreshTokens: true });
    const auth = consentedClient(fake);
    const first = auth.credentials.refresh_token;
    await auth.refreshAccessToken();
    expect(auth.credentials.refresh_token).toBe(first); // the new one was dropped
    await expect(auth.refreshAccessToken()).rejects.toThrow(/invalid_grant/);
  });
});

describe("credentials without an expiry or from a refresh handler", () => {
  it("uses a refreshHandler when there is no refresh token", async () => {
    fake = await startFakeGoogle();
    const source = fake.consent();
    const auth = new OAuth2Client();
    let calls = 0;
    auth.refreshHandler = async () => {
      calls++;
      return { access_token: fake!.consent().accessToken, expiry_date: Date.now() + 3600_000 };
    };
    auth.setCredentials({ access_token: source.accessToken });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    await client.checkAccessType({});
    fake.expireAccessTokens();
    await client.checkAccessType({});
    expect(calls).toBe(1);
    expect(fake.tokenHits).toBe(0);
  });
});
