/**
 * The fault matrix: every fault the emulator injects, over every protocol,
 * against the library's own client (`createDataPortabilityClient`: auth,
 * retries, deadlines). One generated test per (protocol, fault) asserts
 * - the resulting `Code` (or success),
 * - that the call settled within its deadline plus a small margin,
 * - how many attempts reached the emulator (retries only where the policy
 *   allows: reads on UNAVAILABLE, never a replay of a sent initiate),
 * - that no unhandled rejection, listener-leak warning or active handle
 *   (socket, timer, …) is left behind.
 *
 * The emulator runs in a child process, so the handles counted here are the
 * client's alone.
 *
 * Where protocols legitimately differ (the `why` of a row):
 * - Truncated body: the body ends before the length its frame declares. On
 *   gRPC-web the trailer frame follows in the same body, so the reader takes
 *   it as the rest of the message and then reads the next "frame length"
 *   from the trailer text: a frame of ~1.9 GB, refused as over the response
 *   limit (RESOURCE_EXHAUSTED) before anything is buffered. The others see
 *   the body end early: INTERNAL.
 * - HTML 502 page: REST maps a non-JSON 502 with Google's client-library
 *   table (other 5xx → INTERNAL, as gax 6 does, not retried); gRPC,
 *   gRPC-web and Connect map HTTP 502 to UNAVAILABLE (gRPC's HTTP→status
 *   table and the Connect spec), so those are retried.
 * - Wrong content type on a 200: gRPC and Connect check the content type and
 *   report UNKNOWN (gRPC's HTTP→status table: a 200 with a foreign content
 *   type is UNKNOWN); REST reads any 200 body as JSON and gRPC-web parses the
 *   envelope first, both fail to decode: INTERNAL.
 * - Empty 200: for REST and Connect unary the body is the message itself and
 *   zero bytes is a valid encoding of a message whose fields are all unset,
 *   so the call succeeds with an empty response; gRPC and gRPC-web require a
 *   status in trailers, which is missing: INTERNAL (gRPC "missing status")
 *   and UNKNOWN (gRPC-web "missing trailer", connect-es' code).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault } from "../../src/emulator/index.js";
import { DATA_PORTABILITY_PROTOCOLS, createDataPortabilityClient, type DataPortabilityClient, type DataPortabilityProtocol } from "../../src/index.js";
import { createEmulatorOAuthClient } from "../support/emulator-clients.js";
import { expectSocketsBackTo, openSocketCount, useLeakGuard } from "./support/leak-guard.js";
import { startRemoteEmulator, type RemoteEmulator } from "./support/remote-emulator.js";

const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;
const GROUPS = ["myactivity.search", "chrome.history"];
/** Retries fast, so persistent faults use up all attempts well inside the deadline. */
const RETRY = { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 40 };
/** How late after its deadline a call may settle (event-loop and scheduling slack on 2 busy cores). */
const MARGIN_MS = 750;
const DEFAULT_TIMEOUT_MS = 2_000;
/** Above the client's 32 MiB response limit. */
const OVERSIZED_BYTES = 40 * 1024 * 1024;

type Method = "CheckAccessType" | "InitiatePortabilityArchive";
type Outcome = { code: Code | "ok"; calls: number; tokenCalls?: number };
type Expectation = { all: Outcome } | Record<DataPortabilityProtocol, Outcome>;

interface FaultCase {
  name: string;
  /** The RPC called and faulted (default CheckAccessType: a read, retried on UNAVAILABLE). */
  method?: Method;
  fault?: Fault;
  /** Call deadline (default 2 s). */
  timeoutMs?: number;
  /** The call must take at least this long (it waits for the server or its deadline). */
  minElapsedMs?: number;
  /** The call must take at most this long (it must not wait). */
  maxElapsedMs?: number;
  /** Credentials: a static access token (default) or an OAuth2Client refreshing at the emulator. */
  auth?: "static" | "oauth";
  /** Runs before the measured call (with the client), e.g. to rotate tokens. */
  prepare?: (emulator: RemoteEmulator, client: DataPortabilityClient, refreshTokens: () => string | undefined) => Promise<void>;
  expect: Expectation;
  /** Why the protocols differ, when they do. */
  why?: string;
}

const unavailable = (calls: number): Outcome => ({ code: Code.Unavailable, calls });
const once = (code: Code | "ok"): Outcome => ({ code, calls: 1 });

const CASES: readonly FaultCase[] = [
  {
    name: "latency beyond the deadline",
    fault: { latencyMs: 10_000 },
    timeoutMs: 400,
    minElapsedMs: 390,
    expect: { all: once(Code.DeadlineExceeded) },
  },
  {
    name: "503 burst without Retry-After on a read: retried until it passes",
    fault: { times: 2, effect: { type: "error", code: "UNAVAILABLE" } },
    expect: { all: { code: "ok", calls: 3 } },
  },
  {
    name: "503 burst without Retry-After on initiate: never replayed",
    method: "InitiatePortabilityArchive",
    fault: { times: 2, effect: { type: "error", code: "UNAVAILABLE" } },
    expect: { all: unavailable(1) },
  },
  {
    name: "503 with Retry-After inside the deadline: waits, then succeeds",
    fault: { times: 1, effect: { type: "error", code: "UNAVAILABLE", retryAfterSeconds: 1 } },
    timeoutMs: 3_000,
    minElapsedMs: 995,
    expect: { all: { code: "ok", calls: 2 } },
  },
  {
    name: "503 with Retry-After past the deadline: fails at once",
    fault: { effect: { type: "error", code: "UNAVAILABLE", retryAfterSeconds: 30 } },
    maxElapsedMs: 1_000,
    expect: { all: unavailable(1) },
  },
  {
    name: "connection reset before the response",
    fault: { effect: { type: "drop" } },
    expect: { all: unavailable(3) },
  },
  {
    name: "connection reset before the response on initiate: never replayed",
    method: "InitiatePortabilityArchive",
    fault: { effect: { type: "drop" } },
    expect: { all: unavailable(1) },
  },
  {
    name: "connection reset in the middle of the body",
    fault: { effect: { type: "drop", when: "mid-body" } },
    expect: { all: unavailable(3) },
  },
  {
    name: "truncated body",
    fault: { effect: { type: "truncated-body" } },
    expect: {
      rest: once(Code.Internal),
      grpc: once(Code.Internal),
      "grpc-web": once(Code.ResourceExhausted),
      connect: once(Code.Internal),
    },
    why: "gRPC-web: the short frame swallows the trailer frame, whose text then reads as a 1.9 GB frame length, over the limit",
  },
  {
    name: "malformed body",
    fault: { effect: { type: "malformed-body" } },
    expect: { all: once(Code.Internal) },
  },
  {
    name: "HTML error page (502)",
    fault: { effect: { type: "html" } },
    expect: { rest: once(Code.Internal), grpc: unavailable(3), "grpc-web": unavailable(3), connect: unavailable(3) },
    why: "REST: Google's HTTP table (502 → INTERNAL); the others: gRPC/Connect HTTP table (502 → UNAVAILABLE)",
  },
  {
    name: "HTML error page (503)",
    fault: { effect: { type: "html", status: 503 } },
    expect: { all: unavailable(3) },
  },
  {
    name: "wrong content type",
    fault: { effect: { type: "wrong-content-type" } },
    expect: {
      rest: once(Code.Internal),
      grpc: once(Code.Unknown),
      "grpc-web": once(Code.Internal),
      connect: once(Code.Unknown),
    },
    why: "gRPC and Connect check the content type (UNKNOWN); REST and gRPC-web fail to decode the body (INTERNAL)",
  },
  {
    name: "oversized body (40 MiB, over the 32 MiB response limit)",
    fault: { effect: { type: "oversized-body", bytes: OVERSIZED_BYTES } },
    timeoutMs: 10_000,
    expect: { all: once(Code.ResourceExhausted) },
  },
  {
    name: "a response that never ends",
    fault: { effect: { type: "never-ends" } },
    timeoutMs: 400,
    minElapsedMs: 390,
    expect: { all: once(Code.DeadlineExceeded) },
  },
  {
    name: "empty 200",
    fault: { effect: { type: "empty-200" } },
    expect: { rest: once("ok"), connect: once("ok"), grpc: once(Code.Internal), "grpc-web": once(Code.Unknown) },
    why: "REST and Connect: zero bytes encode an empty message; gRPC and gRPC-web: the trailers with the status are missing",
  },
  {
    name: "200 with the wrong message shape",
    fault: { effect: { type: "wrong-shape" } },
    expect: { all: once(Code.Internal) },
  },
  {
    name: "401 after a refresh-token rotation: one refresh with the rotated token, one replay",
    auth: "oauth",
    async prepare(emulator, client, refreshToken) {
      await emulator.configure({ rotateRefreshTokens: true });
      const before = refreshToken();
      await client.checkAccessType({}); // first refresh: the refresh token rotates
      expect(refreshToken()).not.toBe(before);
      // The access token expires on the server while its cached expiry still looks valid.
      await emulator.clock.advance(2 * 60 * 60 * 1000);
    },
    expect: { all: { code: "ok", calls: 2, tokenCalls: 1 } },
  },
  {
    name: "401 that persists after the refresh: one refresh, one replay, then UNAUTHENTICATED",
    auth: "oauth",
    async prepare(emulator, client) {
      await client.checkAccessType({}); // the initial refresh, outside the measurement
      await emulator.faults.set("CheckAccessType", { effect: { type: "error", code: "UNAUTHENTICATED" } });
    },
    expect: { all: { code: Code.Unauthenticated, calls: 2, tokenCalls: 1 } },
  },
];

function expected(c: FaultCase, protocol: DataPortabilityProtocol): Outcome {
  return "all" in c.expect ? c.expect.all : c.expect[protocol];
}

function call(client: DataPortabilityClient, method: Method): Promise<unknown> {
  return method === "CheckAccessType"
    ? client.checkAccessType({})
    : client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
}

const guard = useLeakGuard();
let emulator: RemoteEmulator;
let socketsBefore: number | undefined;
let users = 0;

beforeAll(async () => {
  socketsBefore = openSocketCount();
  emulator = await startRemoteEmulator();
});

afterAll(async () => {
  await emulator?.close();
  // Every client socket, ref'd or idle in a keep-alive pool, is gone once the server is.
  await expectSocketsBackTo(socketsBefore, "open sockets after the emulator closed");
});

for (const protocol of PROTOCOLS) {
  describe(`fault matrix over ${protocol}`, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const want = expected(c, protocol);
        const method = c.method ?? "CheckAccessType";
        const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        await guard.check(async () => {
          await emulator.faults.clear();
          await emulator.configure({ rotateRefreshTokens: false });
          const tokens = await emulator.consent({ user: `matrix-${++users}@example.com`, resources: GROUPS });
          const oauth = c.auth === "oauth" ? createEmulatorOAuthClient(emulator, tokens.refreshToken) : undefined;
          const client = createDataPortabilityClient({
            protocol,
            baseUrl: emulator.url,
            auth: oauth ?? tokens.accessToken,
            retry: RETRY,
            timeoutMs,
          });
          await c.prepare?.(emulator, client, () => oauth?.credentials.refresh_token ?? undefined);
          if (c.fault !== undefined) await emulator.faults.set(method, c.fault);
          await emulator.calls.reset();

          const started = performance.now();
          const outcome = await call(client, method).then(
            () => "ok" as const,
            (e: unknown) => e,
          );
          const elapsed = performance.now() - started;

          if (want.code === "ok") {
            expect(outcome, outcome instanceof Error ? outcome.message : "").toBe("ok");
          } else {
            expect(outcome, "the call must fail with a ConnectError").toBeInstanceOf(ConnectError);
            const error = outcome as ConnectError;
            expect(Code[error.code], error.message).toBe(Code[want.code]);
          }
          expect(elapsed, "settled within the deadline plus a margin").toBeLessThanOrEqual(timeoutMs + MARGIN_MS);
          if (c.minElapsedMs !== undefined) expect(elapsed).toBeGreaterThanOrEqual(c.minElapsedMs);
          if (c.maxElapsedMs !== undefined) expect(elapsed).toBeLessThanOrEqual(c.maxElapsedMs);
          const counts = await emulator.calls.all();
          expect(counts[method] ?? 0, "attempts that reached the emulator").toBe(want.calls);
          if (want.tokenCalls !== undefined) expect(counts["token"] ?? 0, "token refreshes").toBe(want.tokenCalls);
          await emulator.faults.clear();
        });
      });
    }
  });
}
