/**
 * maxConcurrentCalls: the client's FIFO queue in front of the protocol's
 * transport, against a real local REST server that holds requests until told
 * to answer.
 */
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  createDataPortabilityClient,
  DEFAULT_MAX_CONCURRENT_CALLS,
  setClientCredentials,
  type DataPortabilityClient,
  type DataPortabilityClientOptions,
} from "../../src/index.js";
import { startCaptureServer, type CaptureServer } from "../rest/support/http-server.js";

/** A REST server that holds every request until `answer()`; counts what it holds. */
interface HoldingServer {
  server: CaptureServer;
  held: ServerResponse[];
  maxHeld: number;
  /** Answers every held request (and the ones arriving later, once `open`). */
  answer(open?: boolean): void;
  /** Resolves once `n` requests are held. */
  holding(n: number): Promise<void>;
}

const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function holdingServer(): Promise<HoldingServer> {
  const waiters: { n: number; resolve: () => void }[] = [];
  let open = false;
  const reply = (res: ServerResponse): void => {
    res.setHeader("content-type", "application/json");
    res.end("{}");
  };
  const h: HoldingServer = {
    server: undefined as unknown as CaptureServer,
    held: [],
    maxHeld: 0,
    answer(openNow = false) {
      open = openNow;
      h.held.splice(0).forEach(reply);
    },
    holding(n) {
      return h.held.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
  h.server = await startCaptureServer((_req, res) => {
    if (open) return reply(res);
    h.held.push(res);
    h.maxHeld = Math.max(h.maxHeld, h.held.length);
    for (const w of waiters.splice(0)) {
      if (h.held.length >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  servers.push(h.server);
  return h;
}

function clientOf(h: HoldingServer, options: DataPortabilityClientOptions = {}): DataPortabilityClient {
  return createDataPortabilityClient({ baseUrl: h.server.url, auth: "ya29.token", retry: false, ...options });
}

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectError);
  return e as ConnectError;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("maxConcurrentCalls", () => {
  it("runs at most that many calls at once; the others start in FIFO order as slots free up", async () => {
    const h = await holdingServer();
    const client = clientOf(h, { maxConcurrentCalls: 2 });
    const calls = Array.from({ length: 6 }, (_, i) => client.checkAccessType({}, { headers: { "x-seq": String(i) } }));
    await h.holding(2);
    await pause(50);
    expect(h.server.requests).toHaveLength(2);
    h.answer(true);
    await Promise.all(calls);
    expect(h.maxHeld).toBe(2);
    expect(h.server.requests.slice(2).map((r) => r.headers["x-seq"])).toEqual(["2", "3", "4", "5"]);
  });

  it("a call takes its credentials when it is made; user interceptors run before it waits", async () => {
    const h = await holdingServer();
    const entered: string[] = [];
    const spy: Interceptor = (next) => (req) => {
      entered.push(req.header.get("x-seq") ?? "");
      return next(req);
    };
    const client = clientOf(h, { maxConcurrentCalls: 1, interceptors: [spy] });
    const first = client.checkAccessType({}, { headers: { "x-seq": "a" } });
    const second = client.checkAccessType({}, { headers: { "x-seq": "b" } });
    await h.holding(1);
    setClientCredentials(client, "ya29.later");
    const third = client.checkAccessType({}, { headers: { "x-seq": "c" } });
    expect(entered).toEqual(["a", "b", "c"]);
    h.answer(true);
    await Promise.all([first, second, third]);
    expect(h.server.requests.map((r) => r.headers["authorization"])).toEqual([
      "Bearer ya29.token",
      "Bearer ya29.token",
      "Bearer ya29.later",
    ]);
  });

  it("a retry waits its backoff without holding a slot, then queues again", async () => {
    let first = true;
    const server = await startCaptureServer((_req, res) => {
      if (first) {
        first = false;
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 503, message: "later", status: "UNAVAILABLE" } }));
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
    servers.push(server);
    const client = createDataPortabilityClient({
      baseUrl: server.url,
      auth: "ya29.token",
      maxConcurrentCalls: 1,
      retry: { initialBackoffMs: 300, jitter: 0 },
    });
    const a = client.checkAccessType({}, { headers: { "x-seq": "a" } });
    await new Promise((r) => setTimeout(r, 50));
    const b = client.checkAccessType({}, { headers: { "x-seq": "b" } });
    await Promise.all([a, b]);
    expect(server.requests.map((r) => r.headers["x-seq"])).toEqual(["a", "b", "a"]);
  });

  it("a queued call ends at its deadline (DEADLINE_EXCEEDED), sends nothing and frees its place", async () => {
    const h = await holdingServer();
    const client = clientOf(h, { maxConcurrentCalls: 1 });
    const first = client.checkAccessType({});
    await h.holding(1);
    const late = await rejection(client.checkAccessType({}, { timeoutMs: 60 }));
    expect(late.code).toBe(Code.DeadlineExceeded);
    expect(late.rawMessage).toContain("maxConcurrentCalls");
    const next = client.checkAccessType({});
    h.answer(true);
    await Promise.all([first, next]);
    expect(h.server.requests).toHaveLength(2);
  });

  it("the client's default timeoutMs bounds the wait too", async () => {
    const h = await holdingServer();
    const client = clientOf(h, { maxConcurrentCalls: 1, timeoutMs: 200 });
    const first = client.checkAccessType({}, { timeoutMs: 10_000 });
    await h.holding(1);
    const late = await rejection(client.checkAccessType({}));
    expect(late.code).toBe(Code.DeadlineExceeded);
    h.answer(true);
    await first;
    expect(h.server.requests).toHaveLength(1);
  });

  it("a queued call ends when its signal aborts (CANCELED) and sends nothing", async () => {
    const h = await holdingServer();
    const client = clientOf(h, { maxConcurrentCalls: 1 });
    const first = client.checkAccessType({});
    await h.holding(1);
    const controller = new AbortController();
    const queued = client.checkAccessType({}, { signal: controller.signal });
    await pause(20);
    controller.abort();
    expect((await rejection(queued)).code).toBe(Code.Canceled);
    expect((await rejection(client.checkAccessType({}, { signal: AbortSignal.abort() }))).code).toBe(Code.Canceled);
    h.answer(true);
    await first;
    expect(h.server.requests).toHaveLength(1);
  });

  it("time spent waiting counts against the call's deadline", async () => {
    const h = await holdingServer();
    const client = clientOf(h, { maxConcurrentCalls: 1 });
    const first = client.checkAccessType({}, { timeoutMs: 10_000 });
    await h.holding(1);
    const second = client.checkAccessType({}, { timeoutMs: 10_000 });
    await pause(300);
    h.answer(true);
    await Promise.all([first, second]);
    const announced = h.server.requests.map((r) => Number(r.headers["x-server-timeout"]));
    expect(announced[0]).toBeGreaterThan(9.5);
    expect(announced[1]).toBeLessThanOrEqual(9.75);
    expect(announced[1]).toBeGreaterThan(0);
  });

  it("failed calls free their slot", async () => {
    const h = await holdingServer();
    const client = clientOf(h, { maxConcurrentCalls: 1 });
    h.answer(true);
    await h.server.close();
    for (let i = 0; i < 3; i++) expect((await rejection(client.checkAccessType({}))).code).toBe(Code.Unavailable);
  });

  it(`defaults to ${DEFAULT_MAX_CONCURRENT_CALLS}; Infinity disables the limit`, async () => {
    const h = await holdingServer();
    const limited = clientOf(h);
    const calls = Array.from({ length: DEFAULT_MAX_CONCURRENT_CALLS + 20 }, () => limited.checkAccessType({}));
    await h.holding(DEFAULT_MAX_CONCURRENT_CALLS);
    await pause(50);
    expect(h.held).toHaveLength(DEFAULT_MAX_CONCURRENT_CALLS);
    h.answer(true);
    await Promise.all(calls);

    const u = await holdingServer();
    const unlimited = clientOf(u, { maxConcurrentCalls: Infinity });
    const all = Array.from({ length: DEFAULT_MAX_CONCURRENT_CALLS + 20 }, () => unlimited.checkAccessType({}));
    await u.holding(DEFAULT_MAX_CONCURRENT_CALLS + 20);
    u.answer(true);
    await Promise.all(all);
    expect(u.maxHeld).toBe(DEFAULT_MAX_CONCURRENT_CALLS + 20);
  });

  it("rejects values that are not a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createDataPortabilityClient({ auth: "ya29.t", maxConcurrentCalls: bad })).toThrow(
        /maxConcurrentCalls must be a positive integer/,
      );
    }
  });
});
