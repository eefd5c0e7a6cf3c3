import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  createDataPortabilityClient,
  ErrorInfoSchema,
  RetryInfoSchema,
  type DataPortabilityClientOptions,
  type DataPortabilityProtocol,
} from "../../src/index.js";
import { startScriptedServer, type ScriptedServer } from "./scripted-server.js";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server.close());
afterEach(() => server.reset());

const unavailable = (metadata?: Record<string, string>) => new ConnectError("backend unavailable", Code.Unavailable, metadata);
const quick = { initialBackoffMs: 20, maxBackoffMs: 50, jitter: 0 };

function client(options: DataPortabilityClientOptions = {}, protocol: DataPortabilityProtocol = "connect") {
  return createDataPortabilityClient({
    protocol,
    baseUrl: protocol === "grpc" ? server.h2Url : server.url,
    auth: "ya29.static-test-token",
    ...options,
  });
}

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

const STATE = { name: "archiveJobs/1/portabilityArchiveState" };

describe("retries against real faults", () => {
  it("retries UNAVAILABLE on read-only calls, over every connect-node protocol", async () => {
    for (const protocol of ["connect", "grpc-web", "grpc"] as const) {
      server.reset();
      server.script("GetPortabilityArchiveState", { error: unavailable() }, { error: unavailable() });
      server.script("CheckAccessType", { error: unavailable() });
      const c = client({ retry: quick }, protocol);
      await expect(c.getPortabilityArchiveState(STATE)).resolves.toMatchObject({ name: STATE.name });
      await expect(c.checkAccessType({})).resolves.toBeDefined();
      expect(server.count("GetPortabilityArchiveState"), protocol).toBe(3);
      expect(server.count("CheckAccessType"), protocol).toBe(2);
    }
  });

  it("stops after maxAttempts and surfaces the last error", async () => {
    server.script("CheckAccessType", ...Array.from({ length: 10 }, () => ({ error: unavailable() })));
    const err = await failure(client({ retry: { ...quick, maxAttempts: 3 } }).checkAccessType({}));
    expect(err.code).toBe(Code.Unavailable);
    expect(server.count("CheckAccessType")).toBe(3);
  });

  it("honours Retry-After (seconds) from the response headers", async () => {
    server.script("GetPortabilityArchiveState", { error: unavailable({ "retry-after": "1" }) });
    await client({ retry: quick }).getPortabilityArchiveState(STATE);
    const [a, b] = server.attempts;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(1000 - 5);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const date = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000); // a whole second ≥ 1.5 s ahead
    server.script("CheckAccessType", { error: unavailable({ "retry-after": date.toUTCString() }) });
    await client({ retry: quick }).checkAccessType({});
    const [, b] = server.attempts;
    expect(b!.at).toBeGreaterThanOrEqual(date.getTime() - 5);
  });

  it("honours google.rpc.RetryInfo", async () => {
    server.script("GetPortabilityArchiveState", {
      error: new ConnectError("slow down", Code.Unavailable, undefined, [
        { desc: RetryInfoSchema, value: { retryDelay: { seconds: 0n, nanos: 700_000_000 } } },
      ]),
    });
    await client({ retry: quick }).getPortabilityArchiveState(STATE);
    const [a, b] = server.attempts;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(700 - 5);
  });

  it("never sleeps past the deadline: a Retry-After beyond it surfaces the error at once", async () => {
    server.script("CheckAccessType", { error: unavailable({ "retry-after": "30" }) });
    const started = Date.now();
    const err = await failure(client({ retry: quick, timeoutMs: 5_000 }).checkAccessType({}));
    expect(err.code).toBe(Code.Unavailable);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(server.count("CheckAccessType")).toBe(1);
  });

  it("the whole call, retries included, settles by its deadline", async () => {
    server.script(
      "GetPortabilityArchiveState",
      { error: unavailable() },
      { hangMs: 10_000 },
      { hangMs: 10_000 },
    );
    const started = Date.now();
    const err = await failure(
      client({ retry: { ...quick, initialBackoffMs: 100 } }).getPortabilityArchiveState(STATE, { timeoutMs: 800 }),
    );
    const elapsed = Date.now() - started;
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(elapsed).toBeGreaterThanOrEqual(790);
    expect(elapsed).toBeLessThan(3_000);
    expect(server.count("GetPortabilityArchiveState")).toBe(2);
  });

  it("retries a server DEADLINE_EXCEEDED only for GetPortabilityArchiveState", async () => {
    const dl = () => ({ error: new ConnectError("backend deadline", Code.DeadlineExceeded) });
    server.script("GetPortabilityArchiveState", dl());
    server.script("CheckAccessType", dl());
    const c = client({ retry: quick });
    await c.getPortabilityArchiveState(STATE);
    expect(server.count("GetPortabilityArchiveState")).toBe(2);
    expect((await failure(c.checkAccessType({}))).code).toBe(Code.DeadlineExceeded);
    expect(server.count("CheckAccessType")).toBe(1);
  });

  it("never retries the API's quota errors, even when told to retry their codes", async () => {
    const info = (reason: string, metadata: Record<string, string>) => [
      { desc: ErrorInfoSchema, value: { reason, domain: "dataportability.googleapis.com", metadata } },
    ];
    server.script(
      "InitiatePortabilityArchive",
      { error: new ConnectError("already exported", Code.ResourceExhausted, undefined, info("RESOURCE_EXHAUSTED_ONE_TIME", { previous_job_ids: "1" })) },
      {
        error: new ConnectError("cooldown", Code.ResourceExhausted, { "retry-after": "1" }, info("RESOURCE_EXHAUSTED_TIME_BASED", {
          previous_job_ids: "1",
          timestamp_after_24hrs: "2030-01-01T00:00:00Z",
        })),
      },
      {
        error: new ConnectError("cooldown", Code.FailedPrecondition, undefined, info("RESOURCE_EXHAUSTED_TIME_BASED", {
          timestamp_after_24hrs: "2030-01-01T00:00:00Z",
        })),
      },
    );
    const c = client({
      retry: {
        ...quick,
        methods: {
          InitiatePortabilityArchive: {
            idempotent: true,
            retryableCodes: [Code.ResourceExhausted, Code.FailedPrecondition, Code.Unavailable],
          },
        },
      },
    });
    const req = { resources: ["myactivity.search"] };
    expect((await failure(c.initiatePortabilityArchive(req))).code).toBe(Code.ResourceExhausted);
    expect((await failure(c.initiatePortabilityArchive(req))).code).toBe(Code.ResourceExhausted);
    expect((await failure(c.initiatePortabilityArchive(req))).code).toBe(Code.FailedPrecondition);
    expect(server.count("InitiatePortabilityArchive")).toBe(3);
  });

  it("no duplicate job: an initiate whose response is lost is not replayed", async () => {
    server.script("InitiatePortabilityArchive", { errorAfterWork: unavailable() });
    server.script("RetryPortabilityArchive", { errorAfterWork: unavailable() });
    server.script("ResetAuthorization", { error: unavailable() });
    const c = client({ retry: quick });
    expect((await failure(c.initiatePortabilityArchive({ resources: ["myactivity.search"] }))).code).toBe(Code.Unavailable);
    expect((await failure(c.retryPortabilityArchive({ name: "archiveJobs/job-1" }))).code).toBe(Code.Unavailable);
    expect((await failure(c.resetAuthorization({}))).code).toBe(Code.Unavailable);
    expect(server.count("InitiatePortabilityArchive")).toBe(1);
    expect(server.count("RetryPortabilityArchive")).toBe(1);
    expect(server.count("ResetAuthorization")).toBe(1);
    expect(server.jobsCreated).toEqual(["job-1", "job-2"]);
  });

  it("CancelPortabilityArchive is retried on UNAVAILABLE", async () => {
    server.script("CancelPortabilityArchive", { error: unavailable() });
    await client({ retry: quick }).cancelPortabilityArchive({ name: "archiveJobs/job-1" });
    expect(server.count("CancelPortabilityArchive")).toBe(2);
  });

  it("a user abort during the backoff is not retried", async () => {
    server.script("CheckAccessType", { error: unavailable({ "retry-after": "10" }) });
    const controller = new AbortController();
    const call = client({ retry: quick }).checkAccessType({}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const err = await failure(call);
    expect(err.code).toBe(Code.Canceled);
    expect(server.count("CheckAccessType")).toBe(1);
  });

  it("retry: false disables retries", async () => {
    server.script("CheckAccessType", { error: unavailable() });
    await failure(client({ retry: false }).checkAccessType({}));
    expect(server.count("CheckAccessType")).toBe(1);
  });
});

describe("initiate after connection refused", () => {
  async function freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    return port;
  }

  it("is classified as not sent and retried until attempts run out", async () => {
    const port = await freePort();
    let attempts = 0;
    const inner = createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" });
    const counting: Transport = {
      unary: (...args) => {
        attempts++;
        return inner.unary(...args);
      },
      stream: (...args) => inner.stream(...args),
    };
    const c = createDataPortabilityClient({
      baseUrl: `http://127.0.0.1:${port}`,
      transport: counting,
      auth: "ya29.static-test-token",
      retry: { ...quick, maxAttempts: 3 },
    });
    const err = await failure(c.initiatePortabilityArchive({ resources: ["myactivity.search"] }));
    expect(err.code).toBe(Code.Unavailable);
    expect(attempts).toBe(3);
  });

  it("succeeds once the server is up, creating exactly one job", async () => {
    const port = await freePort();
    let late: ScriptedServer | undefined;
    let attempts = 0;
    const inner = createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" });
    const startingServer: Transport = {
      unary: (...args) => {
        attempts++;
        return inner.unary(...args).catch(async (e: unknown) => {
          late ??= await startScriptedServer(port); // the server comes up while the client backs off
          throw e;
        });
      },
      stream: (...args) => inner.stream(...args),
    };
    try {
      const c = createDataPortabilityClient({
        protocol: "connect",
        baseUrl: `http://127.0.0.1:${port}`,
        transport: startingServer,
        auth: "ya29.static-test-token",
        retry: { initialBackoffMs: 200, jitter: 0 },
      });
      const res = await c.initiatePortabilityArchive({ resources: ["myactivity.search"] });
      expect(res.archiveJobId).toBe("job-1");
      expect(attempts).toBe(2);
      expect(late?.jobsCreated).toEqual(["job-1"]);
    } finally {
      await late?.close();
    }
  });
});
