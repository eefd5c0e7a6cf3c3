/**
 * Retries against the emulator's fault injection, over all four protocols.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { DATA_PORTABILITY_PROTOCOLS, createDataPortabilityClient, type DataPortabilityClient } from "../../src/index.js";

const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;

let emu: Emulator;
let token: string;
beforeAll(async () => {
  emu = await startEmulator();
  token = (await emu.consent({ resources: ["myactivity.search", "myactivity.youtube", "chrome.history"] })).accessToken;
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.faults.clear();
  emu.calls.reset();
});

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

describe.each(PROTOCOLS)("emulator faults over %s", (protocol) => {
  const client = (timeoutMs?: number): DataPortabilityClient =>
    createDataPortabilityClient({
      protocol,
      baseUrl: emu.url,
      auth: token,
      retry: { initialBackoffMs: 20, maxBackoffMs: 40, jitter: 0 },
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  const STATE = () => ({ name: "archiveJobs/1/portabilityArchiveState" });

  it("waits the Retry-After header before retrying", async () => {
    emu.faults.set("CheckAccessType", { times: 1, effect: { type: "error", code: "UNAVAILABLE", retryAfterSeconds: 1 } });
    const started = Date.now();
    await client().checkAccessType({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000 - 5);
    expect(emu.calls.count("CheckAccessType")).toBe(2);
  });

  it("waits the RetryInfo delay before retrying", async () => {
    emu.faults.set("CheckAccessType", { times: 1, effect: { type: "error", code: "UNAVAILABLE", retryDelayMs: 600 } });
    const started = Date.now();
    await client().checkAccessType({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(600 - 5);
    expect(emu.calls.count("CheckAccessType")).toBe(2);
  });

  it("a Retry-After past the deadline surfaces the error without waiting", async () => {
    emu.faults.set("CheckAccessType", { times: 1, effect: { type: "error", code: "UNAVAILABLE", retryAfterSeconds: 20 } });
    const started = Date.now();
    const err = await failure(client(3_000).checkAccessType({}));
    expect(err.code).toBe(Code.Unavailable);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(emu.calls.count("CheckAccessType")).toBe(1);
  });

  it("a response that never ends fails by the deadline", async () => {
    emu.faults.set("CheckAccessType", { effect: { type: "never-ends" } });
    const started = Date.now();
    const err = await failure(client(600).checkAccessType({}));
    const elapsed = Date.now() - started;
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(3_000);
  });

  it("a dropped connection is retried for reads but not for initiate (no duplicate job)", async () => {
    emu.faults.set("GetPortabilityArchiveState", { times: 1, effect: { type: "drop" } });
    const notFound = await failure(client().getPortabilityArchiveState(STATE()));
    expect(notFound.code).toBe(Code.NotFound); // reached the service on the second attempt
    expect(emu.calls.count("GetPortabilityArchiveState")).toBe(2);

    const jobsBefore = emu.jobs.list().length;
    emu.faults.set("InitiatePortabilityArchive", { times: 1, effect: { type: "drop" } });
    const dropped = await failure(client().initiatePortabilityArchive({ resources: ["myactivity.youtube"] }));
    expect(dropped.code).toBe(Code.Unavailable); // the same code on every protocol
    expect(emu.calls.count("InitiatePortabilityArchive")).toBe(1);
    expect(emu.jobs.list().length).toBe(jobsBefore);
  });

  it("an HTML 503 page from a proxy is UNAVAILABLE and retried for reads", async () => {
    emu.faults.set("CheckAccessType", { times: 1, effect: { type: "html", status: 503 } });
    await client().checkAccessType({});
    expect(emu.calls.count("CheckAccessType")).toBe(2);
  });

  it("the API's quota errors are never retried, even when their code is made retryable", async () => {
    const tokens = await emu.consent({ user: `quota-${protocol}@example.com`, resources: ["myactivity.search"] });
    const eager = createDataPortabilityClient({
      protocol,
      baseUrl: emu.url,
      auth: tokens.accessToken,
      retry: { retryableCodes: [Code.ResourceExhausted, Code.Unavailable], idempotent: true, initialBackoffMs: 20, jitter: 0 },
    });
    await eager.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    emu.clock.advance(emu.settings().jobDurationMs);
    const err = await failure(eager.initiatePortabilityArchive({ resources: ["myactivity.search"] }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(emu.calls.count("InitiatePortabilityArchive")).toBe(2);

    // A generic RESOURCE_EXHAUSTED (rate limit, no Data Portability ErrorInfo) is retried when asked to.
    emu.faults.set("CheckAccessType", { times: 1, effect: { type: "error", code: "RESOURCE_EXHAUSTED" } });
    await eager.checkAccessType({});
    expect(emu.calls.count("CheckAccessType")).toBe(2);
  });
});
