import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { OAuth2Client } from "google-auth-library";
import {
  createAuthInterceptor,
  createDataPortabilityClient,
  DataPortabilityService,
  isLoopbackHost,
  mayCarryCredentials,
} from "../../src/index.js";
import { startFakeGoogle, type FakeGoogle } from "./fake-google.js";
import { consentedClient, rejection } from "./helpers.js";

let fake: FakeGoogle;
beforeAll(async () => {
  fake = await startFakeGoogle();
});
afterAll(() => fake.close());

describe("credentials only over https or to loopback", () => {
  it("classifies hosts and URLs", () => {
    for (const host of ["localhost", "LOCALHOST", "api.localhost", "127.0.0.1", "127.8.9.10", "[::1]", "::1"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["example.com", "128.0.0.1", "localhost.example.com", "127.0.0.1.nip.io", "[::2]", "0.0.0.0", "10.0.0.1"]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(mayCarryCredentials("https://dataportability.googleapis.com")).toBe(true);
    expect(mayCarryCredentials("https://10.1.2.3:8443/x")).toBe(true);
    expect(mayCarryCredentials("http://127.0.0.1:8080")).toBe(true);
    expect(mayCarryCredentials("http://127.1:8080")).toBe(true); // WHATWG URL normalizes to 127.0.0.1
    expect(mayCarryCredentials("http://[::1]:8080")).toBe(true);
    expect(mayCarryCredentials("http://localhost")).toBe(true);
    expect(mayCarryCredentials("http://dataportability.googleapis.com")).toBe(false);
    expect(mayCarryCredentials("http://192.0.2.10")).toBe(false);
    expect(mayCarryCredentials("ws://127.0.0.1")).toBe(false);
    expect(mayCarryCredentials("not a url")).toBe(false);
  });

  it("createDataPortabilityClient refuses a plain-http non-loopback base URL", () => {
    let err: unknown;
    try {
      createDataPortabilityClient({ baseUrl: "http://dataportability.googleapis.com", auth: "ya29.static-token" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((err as ConnectError).rawMessage).toContain("http://dataportability.googleapis.com");
    expect((err as ConnectError).message).not.toContain("ya29.static-token");
    // Without credentials, plain http is the caller's business.
    expect(() => createDataPortabilityClient({ baseUrl: "http://example.com", auth: false })).not.toThrow();
  });

  it("the auth interceptor refuses per call on any transport, before a request is made", async () => {
    // 192.0.2.0/24 (TEST-NET-1) is never routed: a request would hang, not fail fast.
    const transport = createConnectTransport({
      baseUrl: "http://192.0.2.10:8080",
      httpVersion: "1.1",
      interceptors: [createAuthInterceptor({ auth: "ya29.static-token" })],
    });
    const client = createClient(DataPortabilityService, transport);
    const err = (await rejection(client.checkAccessType({}, { timeoutMs: 20_000 }))) as ConnectError;
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toMatch(/refusing to send credentials/);
  });

  it("a plain-http non-loopback token endpoint is refused too", async () => {
    const auth = new OAuth2Client({
      clientId: "id",
      clientSecret: "secret",
      endpoints: { oauth2TokenUrl: "http://oauth2.example.com/token" },
    });
    auth.setCredentials({ refresh_token: "1//refresh-token-value" });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const seen = fake.seen.length;
    const err = (await rejection(client.checkAccessType({}))) as ConnectError;
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toMatch(/token endpoint "http:\/\/oauth2\.example\.com"/);
    expect(fake.seen.length).toBe(seen);
  });

  it("loopback over plain http works", async () => {
    const client = createDataPortabilityClient({
      protocol: "connect",
      baseUrl: fake.url.replace("127.0.0.1", "localhost"),
      auth: consentedClient(fake),
    });
    await expect(client.checkAccessType({})).resolves.toBeDefined();
  });
});
