/**
 * The building blocks for your own client: createDataPortabilityInterceptors
 * on a plain connect-node transport, and createInterceptedTransport.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  createDataPortabilityInterceptors,
  createInterceptedTransport,
  DataPortabilityService,
} from "../../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "../auth/fake-google.js";
import { consentedClient, rejection } from "../auth/helpers.js";
import { startScriptedServer, type ScriptedServer } from "../retry/scripted-server.js";

let fake: FakeGoogle;
let scripted: ScriptedServer;
beforeAll(async () => {
  fake = await startFakeGoogle({ tokenDelayMs: 50 });
  scripted = await startScriptedServer();
});
afterAll(async () => {
  await fake.close();
  await scripted.close();
});
afterEach(() => scripted.reset());

describe("createDataPortabilityInterceptors on a connect-node transport", () => {
  it("auth: bearer token, one refresh for concurrent 401s, none on 403, reset drops the credentials", async () => {
    const auth = consentedClient(fake);
    const { interceptors, credentials } = createDataPortabilityInterceptors({ baseUrl: fake.h2Url, auth, quotaProject: "billing" });
    const client = createClient(DataPortabilityService, createGrpcTransport({ baseUrl: fake.h2Url, interceptors }));
    const seen = fake.seen.length;
    await client.checkAccessType({});
    expect(fake.seen[seen]).toEqual({
      method: "CheckAccessType",
      authorization: `Bearer ${auth.credentials.access_token}`,
      userProject: "billing",
    });

    fake.expireAccessTokens();
    const hits = fake.tokenHits;
    await Promise.all(Array.from({ length: 12 }, () => client.checkAccessType({})));
    expect(fake.tokenHits).toBe(hits + 1);

    const scopeless = createDataPortabilityInterceptors({ baseUrl: fake.url, auth: consentedClient(fake, { scopes: false }) });
    const denied = createClient(DataPortabilityService, createConnectTransport({ baseUrl: fake.url, httpVersion: "1.1", interceptors: scopeless.interceptors }));
    expect(((await rejection(denied.checkAccessType({}))) as ConnectError).code).toBe(Code.PermissionDenied);
    expect(fake.tokenHits).toBe(hits + 1);

    await client.resetAuthorization({});
    expect(credentials?.isReset).toBe(true);
    const before = fake.seen.length;
    const err = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.Unauthenticated);
    expect(err.rawMessage).toMatch(/new consent/);
    expect(fake.seen.length).toBe(before);
  });

  it("retry: UNAVAILABLE with Retry-After is waited for and retried", async () => {
    scripted.script("CheckAccessType", { error: new ConnectError("busy", Code.Unavailable, { "retry-after": "1" }) });
    const { interceptors } = createDataPortabilityInterceptors({ baseUrl: scripted.url, auth: "ya29.token", retry: { initialBackoffMs: 10 } });
    const client = createClient(DataPortabilityService, createConnectTransport({ baseUrl: scripted.url, httpVersion: "1.1", interceptors }));
    await client.checkAccessType({});
    const [a, b] = scripted.attempts;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(995);
  });

  it("retry on a plain transport: the deadline's abort ends the wait", async () => {
    scripted.script("CheckAccessType", { error: new ConnectError("busy", Code.Unavailable, { "retry-after": "30" }) });
    const { interceptors } = createDataPortabilityInterceptors({ baseUrl: scripted.url, auth: "ya29.token" });
    const client = createClient(DataPortabilityService, createConnectTransport({ baseUrl: scripted.url, httpVersion: "1.1", interceptors }));
    const started = Date.now();
    const err = (await rejection(client.checkAccessType({}, { timeoutMs: 700 }))) as ConnectError;
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(scripted.count("CheckAccessType")).toBe(1);
  });

  it("with createInterceptedTransport the deadline is known: a wait past it is skipped at once", async () => {
    scripted.script("CheckAccessType", { error: new ConnectError("busy", Code.Unavailable, { "retry-after": "30" }) });
    const { interceptors } = createDataPortabilityInterceptors({ baseUrl: scripted.url, auth: "ya29.token" });
    const transport = createInterceptedTransport(createConnectTransport({ baseUrl: scripted.url, httpVersion: "1.1" }), {
      interceptors,
      baseUrl: scripted.url,
      defaultTimeoutMs: 5_000,
    });
    const started = Date.now();
    const err = (await rejection(createClient(DataPortabilityService, transport).checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.Unavailable);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("createInterceptedTransport settles by the deadline even when an interceptor hangs", async () => {
    const transport = createInterceptedTransport(createConnectTransport({ baseUrl: scripted.url, httpVersion: "1.1" }), {
      interceptors: [() => () => new Promise(() => {})],
      baseUrl: scripted.url,
      defaultTimeoutMs: 300,
    });
    const err = (await rejection(createClient(DataPortabilityService, transport).checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.DeadlineExceeded);
    const controller = new AbortController();
    const call = createClient(DataPortabilityService, transport).checkAccessType({}, { signal: controller.signal, timeoutMs: 60_000 });
    controller.abort();
    expect(((await rejection(call)) as ConnectError).code).toBe(Code.Canceled);
  });
});
