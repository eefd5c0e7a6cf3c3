import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import type { OAuth2Client } from "google-auth-library";
import {
  createDataPortabilityClient,
  createDataPortabilityTransport,
  DataPortabilityService,
  setClientCredentials,
  type DataPortabilityProtocol,
} from "../../src/index.js";
import { withAuth } from "../../src/client/client-transport.js";
import { startFakeGoogle, type FakeGoogle } from "../auth/fake-google.js";
import { consentedClient, refreshOnlyClient } from "../auth/helpers.js";

let fake: FakeGoogle;
let slowMs = 0;

beforeAll(async () => {
  fake = await startFakeGoogle({
    impl: {
      async getPortabilityArchiveState(req, ctx) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, slowMs);
          ctx.signal.addEventListener("abort", () => {
            clearTimeout(t);
            reject(ctx.signal.reason);
          });
        });
        return { name: req.name };
      },
    },
  });
});
afterAll(() => fake.close());

const userClient = (): OAuth2Client => consentedClient(fake);

const protocols: DataPortabilityProtocol[] = ["connect", "grpc-web", "grpc"];

describe("createDataPortabilityClient over connect-node protocols", () => {
  for (const protocol of protocols) {
    it(`${protocol}: calls with the user's bearer token and no quota project header`, async () => {
      const auth = userClient();
      const client = createDataPortabilityClient({
        protocol,
        baseUrl: protocol === "grpc" ? fake.h2Url : fake.url,
        auth,
      });
      const before = fake.seen.length;
      const res = await client.checkAccessType({});
      expect(res.oneTimeResources).toEqual(["myactivity.search"]);
      const seen = fake.seen.slice(before);
      expect(seen).toEqual([
        {
          method: "CheckAccessType",
          authorization: `Bearer ${auth.credentials.access_token}`,
          userProject: null,
        },
      ]);
    });
  }

  it("sends x-goog-user-project only when quotaProject is given, never the credential's own", async () => {
    const auth = refreshOnlyClient(fake);
    auth.quotaProjectId = "adc-quota-project";
    const plain = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const before = fake.seen.length;
    await plain.checkAccessType({});
    expect(fake.seen[before]?.userProject).toBeNull();
    const withQuota = createDataPortabilityClient({
      protocol: "connect",
      baseUrl: fake.url,
      auth,
      quotaProject: "billing-project",
    });
    await withQuota.checkAccessType({});
    expect(fake.seen[before + 1]?.userProject).toBe("billing-project");
  });

  it("a call settles with DEADLINE_EXCEEDED by its deadline (client default and per call)", async () => {
    slowMs = 10_000;
    try {
      const client = createDataPortabilityClient({
        protocol: "connect",
        baseUrl: fake.url,
        auth: userClient(),
        timeoutMs: 300,
      });
      const started = Date.now();
      const err = await client
        .getPortabilityArchiveState({ name: "archiveJobs/1/portabilityArchiveState" })
        .then(() => undefined, (e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.DeadlineExceeded);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(5_000);
      const perCall = await client
        .getPortabilityArchiveState({ name: "archiveJobs/1/portabilityArchiveState" }, { timeoutMs: 100 })
        .then(() => undefined, (e: unknown) => e);
      expect((perCall as ConnectError).code).toBe(Code.DeadlineExceeded);
    } finally {
      slowMs = 0;
    }
  });

  it("a user abort fails the call with CANCELED", async () => {
    slowMs = 10_000;
    try {
      const client = createDataPortabilityClient({ protocol: "grpc", baseUrl: fake.h2Url, auth: userClient() });
      const controller = new AbortController();
      const call = client.getPortabilityArchiveState(
        { name: "archiveJobs/1/portabilityArchiveState" },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 50);
      const err = await call.then(() => undefined, (e: unknown) => e);
      expect((err as ConnectError).code).toBe(Code.Canceled);
    } finally {
      slowMs = 0;
    }
  });

  it("user interceptors run outermost: once per call, without the Authorization header", async () => {
    const seenByUser: { authorization: string | null; method: string }[] = [];
    const spy: Interceptor = (next) => async (req) => {
      seenByUser.push({ authorization: req.header.get("authorization"), method: req.method.name });
      return next(req);
    };
    const auth = userClient();
    fake.expireAccessTokens(); // forces one refresh + replay below the user's interceptor
    const client = createDataPortabilityClient({
      protocol: "connect",
      baseUrl: fake.url,
      auth,
      interceptors: [spy],
    });
    await client.checkAccessType({});
    expect(seenByUser).toEqual([{ authorization: null, method: "CheckAccessType" }]);
  });

  it("createDataPortabilityTransport builds a transport for your own createClient", async () => {
    const transport = createDataPortabilityTransport({ protocol: "connect", baseUrl: fake.url, auth: userClient() });
    const client = createClient(DataPortabilityService, transport);
    const res = await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    expect(res.archiveJobId).toMatch(/^job-\d+$/);
  });

  it("setClientCredentials swaps the credentials of a client", async () => {
    const scopeless = fake.consent({ scopes: false });
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth: scopeless.accessToken });
    const denied = await client.checkAccessType({}).then(() => undefined, (e: unknown) => e);
    expect((denied as ConnectError).code).toBe(Code.PermissionDenied);
    setClientCredentials(client, userClient());
    await expect(client.checkAccessType({})).resolves.toBeDefined();
    expect(() => setClientCredentials({}, "x-token")).toThrow(ConnectError);
  });
});

describe("call headers", () => {
  it("keeps the caller's headers and never lets them override the credentials", async () => {
    const auth = userClient();
    const client = createDataPortabilityClient({ protocol: "connect", baseUrl: fake.url, auth });
    const before = fake.seen.length;
    await client.checkAccessType({}, { headers: { Authorization: "Bearer forged", "x-request-reason": "audit" } });
    await client.checkAccessType({}, { headers: new Headers({ authorization: "Bearer forged" }) });
    await client.checkAccessType({}, { headers: [["authorization", "Bearer forged"]] });
    expect(fake.seen.slice(before).map((s) => s.authorization)).toEqual(
      Array.from({ length: 3 }, () => `Bearer ${auth.credentials.access_token}`),
    );
  });

  it("withAuth merges without touching the caller's object", () => {
    const mine = { Authorization: "Bearer forged", "X-Other": "1" };
    expect(withAuth(mine, "Bearer real", "proj")).toEqual({
      "X-Other": "1",
      authorization: "Bearer real",
      "x-goog-user-project": "proj",
    });
    expect(mine).toEqual({ Authorization: "Bearer forged", "X-Other": "1" });
    expect(withAuth(undefined, "Bearer real", undefined)).toEqual({ authorization: "Bearer real" });
    expect(withAuth(mine, undefined, undefined)).toBe(mine);
    const h = withAuth(new Headers({ authorization: "x", a: "b" }), "Bearer real", undefined) as Headers;
    expect(Object.fromEntries(h)).toEqual({ a: "b", authorization: "Bearer real" });
  });
});

describe("option validation", () => {
  it("rejects a bad protocol, base URL or timeout with INVALID_ARGUMENT naming it", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as ConnectError).code, (e as ConnectError).rawMessage];
      }
      return undefined;
    };
    expect(code(() => createDataPortabilityClient({ protocol: "soap" as never, auth: false }))).toEqual([
      Code.InvalidArgument,
      expect.stringContaining('"soap"'),
    ]);
    expect(code(() => createDataPortabilityClient({ baseUrl: "not a url", auth: false }))).toEqual([
      Code.InvalidArgument,
      expect.stringContaining("baseUrl"),
    ]);
    expect(code(() => createDataPortabilityClient({ baseUrl: "ftp://example.com", auth: false }))).toEqual([
      Code.InvalidArgument,
      expect.stringContaining("baseUrl"),
    ]);
    expect(code(() => createDataPortabilityClient({ timeoutMs: -1, auth: false }))).toEqual([
      Code.InvalidArgument,
      expect.stringContaining("timeoutMs"),
    ]);
    expect(code(() => createDataPortabilityClient({ retry: { maxAttempts: 0 }, auth: false }))).toEqual([
      Code.InvalidArgument,
      expect.stringContaining("retry.maxAttempts"),
    ]);
  });
});
