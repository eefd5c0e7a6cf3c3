/**
 * Fault injection over every protocol, on the OAuth endpoint and on
 * downloads, with the per-method call counter.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createEmulatorClient, createEmulatorOAuthClient, PROTOCOLS, type DataPortabilityClient } from "../support/emulator-clients.js";
import { expectCode, newUser, raw, useEmulator } from "./helpers.js";

const GROUPS = ["myactivity.search", "chrome.history"];

describe.each(PROTOCOLS)("fault injection over %s", (protocol) => {
  const emulator = useEmulator();
  let client: DataPortabilityClient;
  let token: string;

  beforeAll(async () => {
    token = (await emulator.consent({ user: newUser(), resources: GROUPS })).accessToken;
    client = createEmulatorClient(protocol, emulator.url, { auth: token, timeoutMs: 5_000 });
  });
  afterEach(async () => {
    emulator.faults.clear();
    // The emulator still serves this protocol after every fault.
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(GROUPS);
  });

  const rejected = async (call: Promise<unknown>): Promise<ConnectError> => {
    const error = await call.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error, "the call should have failed").toBeInstanceOf(ConnectError);
    return error as ConnectError;
  };

  it("an error with Retry-After and RetryInfo, for the next call only, counted", async () => {
    emulator.faults.set("CheckAccessType", {
      times: 1,
      effect: { type: "error", code: "UNAVAILABLE", message: "backend overloaded", retryAfterSeconds: 3, retryDelayMs: 1500 },
    });
    const before = emulator.calls.count("CheckAccessType");
    const error = await expectCode(client.checkAccessType({}), Code.Unavailable);
    expect(error.rawMessage).toBe("backend overloaded");
    expect(error.metadata.get("retry-after")).toBe("3");
    const [retryInfo] = error.findDetails(RetryInfoSchema);
    expect(retryInfo?.retryDelay).toMatchObject({ seconds: 1n, nanos: 500_000_000 });
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(GROUPS);
    expect(emulator.calls.count("CheckAccessType")).toBe(before + 2);
    expect(emulator.faults.list()).toEqual({});
  });

  it("fails the next N calls of one method only", async () => {
    emulator.faults.set("initiatePortabilityArchive", { times: 2, effect: { type: "error", code: Code.Internal } });
    await expectCode(client.initiatePortabilityArchive({ resources: ["myactivity.search"] }), Code.Internal);
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(GROUPS);
    await expectCode(client.initiatePortabilityArchive({ resources: ["myactivity.search"] }), Code.Internal);
    const started = await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    expect(started.archiveJobId).not.toBe("");
    expect(emulator.calls.count("InitiatePortabilityArchive")).toBe(3);
    // The faulted calls never reached the service: the group was exported once.
    expect(emulator.jobs.list()).toHaveLength(1);
  });

  it("latency delays the answer; a short deadline then expires", async () => {
    emulator.faults.set("CheckAccessType", { latencyMs: 40, times: 1 });
    const started = performance.now();
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(GROUPS);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);

    emulator.faults.set("CheckAccessType", { latencyMs: 2_000, times: 1 });
    await expectCode(client.checkAccessType({}, { timeoutMs: 50 }), Code.DeadlineExceeded);
  });

  it("a connection dropped before the response or mid-body fails the call", async () => {
    emulator.faults.set("CheckAccessType", { times: 1, effect: { type: "drop" } });
    await rejected(client.checkAccessType({}));
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(GROUPS);
    emulator.faults.set("CheckAccessType", { times: 1, effect: { type: "drop", when: "mid-body" } });
    await rejected(client.checkAccessType({}));
  });

  it("an HTML 502 page from a proxy", async () => {
    emulator.faults.set("CheckAccessType", { times: 1, effect: { type: "html" } });
    const error = await rejected(client.checkAccessType({}));
    expect(error.message).toContain("502");
    if (protocol !== "rest") expect(error.code).toBe(Code.Unavailable);
  });

  it("malformed, truncated and wrongly typed bodies fail to decode", async () => {
    for (const type of ["malformed-body", "truncated-body", "wrong-content-type"] as const) {
      emulator.faults.set("CheckAccessType", { times: 1, effect: { type } });
      const error = await rejected(client.checkAccessType({}));
      expect([Code.Internal, Code.Unknown, Code.InvalidArgument], `${type}: ${error.message}`).toContain(error.code);
    }
  });

  it("an oversized body exceeds the client's read limit", async () => {
    const limited = createEmulatorClient(protocol, emulator.url, { auth: token, readMaxBytes: 64 * 1024 });
    emulator.faults.set("CheckAccessType", { times: 1, effect: { type: "oversized-body", bytes: 1024 * 1024 } });
    await expectCode(limited.checkAccessType({}), Code.ResourceExhausted);
  });

  it("a response that never ends runs into the client's deadline", async () => {
    emulator.faults.set("CheckAccessType", { times: 1, effect: { type: "never-ends" } });
    await expectCode(client.checkAccessType({}, { timeoutMs: 100 }), Code.DeadlineExceeded);
  });

  it("an empty 200", async () => {
    emulator.faults.set("CheckAccessType", { times: 1, effect: { type: "empty-200" } });
    if (protocol === "grpc" || protocol === "grpc-web") {
      await rejected(client.checkAccessType({})); // no gRPC status at all
    } else {
      // An empty body decodes as an empty message: the groups are missing.
      expect(await client.checkAccessType({})).toMatchObject({ oneTimeResources: [], timeBasedResources: [] });
    }
  });
});

describe("fault injection on OAuth, downloads and the registry", () => {
  const emulator = useEmulator();

  it("a token endpoint error once: OAuth2Client retries and succeeds", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: GROUPS });
    emulator.faults.set("token", { times: 1, effect: { type: "error", code: "UNAVAILABLE", retryAfterSeconds: 1 } });
    const direct = await raw(emulator.tokenUrl, { method: "POST" });
    expect(direct.status).toBe(503);
    expect(direct.headers.get("retry-after")).toBe("1");
    expect(JSON.parse(direct.text)).toMatchObject({ error: "temporarily_unavailable" });

    emulator.faults.set("token", { times: 1, effect: { type: "html", status: 502 } });
    const oauth = createEmulatorOAuthClient(emulator, tokens.refreshToken);
    expect((await oauth.getAccessToken()).token).toBeTruthy();
    expect(emulator.calls.count("token")).toBe(3);
  });

  it("downloads: errors, truncated and dropped bodies are prefixes of the archive; ranges resume", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["myactivity.search"] });
    const client = createEmulatorClient("connect", emulator.url, { auth: tokens.accessToken });
    const { archiveJobId } = await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const [url] = (await client.getPortabilityArchiveState({ name: `archiveJobs/${archiveJobId}/portabilityArchiveState` })).urls;
    const full = (await raw(url!)).bytes;

    emulator.faults.set("download", { times: 1, effect: { type: "error", code: "UNAVAILABLE", retryAfterSeconds: 2 } });
    const unavailable = await raw(url!);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("2");

    emulator.faults.set("download", { times: 1, effect: { type: "truncated-body" } });
    const truncated = (await raw(url!)).bytes;
    expect(truncated.length).toBeLessThan(full.length);
    expect(Buffer.compare(truncated, full.subarray(0, truncated.length))).toBe(0);

    emulator.faults.set("download", { times: 1, effect: { type: "drop", when: "mid-body" } });
    await expect(raw(url!)).rejects.toThrow();

    const resumed = await raw(url!, { headers: { range: "bytes=10-" } });
    expect(resumed.status).toBe(206);
    expect(resumed.headers.get("content-range")).toBe(`bytes 10-${full.length - 1}/${full.length}`);
    expect(Buffer.compare(resumed.bytes, full.subarray(10))).toBe(0);
    expect((await raw(url!, { headers: { range: `bytes=${full.length}-` } })).status).toBe(416);
    expect(emulator.calls.count("download")).toBe(6);
  });

  it("rate 0 never fires; rate 1 always does", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: GROUPS });
    const client = createEmulatorClient("connect", emulator.url, { auth: tokens.accessToken });
    emulator.faults.set("CheckAccessType", { rate: 0, effect: { type: "error", code: "INTERNAL" } });
    for (let i = 0; i < 5; i++) await client.checkAccessType({});
    emulator.faults.set("CheckAccessType", { rate: 1, effect: { type: "error", code: "INTERNAL" } });
    for (let i = 0; i < 3; i++) await expectCode(client.checkAccessType({}), Code.Internal);
    expect(emulator.calls.count("CheckAccessType")).toBe(8);
  });

  it("the registry checks method names and faults", () => {
    expect(() => emulator.faults.set("NoSuchMethod", { latencyMs: 1 })).toThrow(/unknown method "NoSuchMethod"/);
    expect(() => emulator.faults.set("CheckAccessType", { rate: 2, latencyMs: 1 })).toThrow(/rate/);
    expect(() => emulator.faults.set("CheckAccessType", { effect: { type: "explode" } as never })).toThrow(/explode/);
    expect(() => emulator.faults.set("CheckAccessType", { effect: { type: "error", code: "NOPE" } })).toThrow(/NOPE/);
    expect(() => emulator.faults.set("CheckAccessType", {})).toThrow(/effect or latencyMs/);
    emulator.faults.set("checkAccessType", { times: 2, effect: { type: "error", code: "unavailable" } });
    expect(emulator.faults.list()).toEqual({
      CheckAccessType: { times: 2, effect: { type: "error", code: "unavailable" } },
    });
  });
});
