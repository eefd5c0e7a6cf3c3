/**
 * The benchmark server, run in its own process (forked by `run.ts`) so that
 * clients and server never share an event loop.
 *
 * - An HTTP/1.1 keep-alive server on 127.0.0.1 answering the six REST routes
 *   of the Data Portability API the way the real API does (JSON bodies,
 *   `content-type: application/json; charset=UTF-8`, Google error JSON for
 *   unknown routes and missing credentials). Paths under
 *   `/google.dataportability.v1.DataPortabilityService/` go to a Connect
 *   handler, so Connect over HTTP/1.1 also works.
 * - An h2c server on 127.0.0.1 serving the same service over gRPC, gRPC-web
 *   and Connect (connect-node).
 *
 * A "gate" can be armed over IPC: it holds every incoming call until `count`
 * calls are pending at once (or arrivals stop, or `maxWaitMs` passed), then
 * answers them all.
 * The in-flight memory test uses it to prove that 10,000 calls really were
 * in flight together.
 *
 * The process exits when the orchestrator sends "close" or disconnects.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createH2Server } from "node:http2";
import type { AddressInfo, ListenOptions, Socket } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  AccessType,
  DataPortabilityService,
  PortabilityArchiveState_State,
} from "../gen/google/dataportability/v1/dataportability_pb.js";
import type { GateRelease, ServerCommand, ServerEvent } from "./types.js";

const JSON_TYPE = "application/json; charset=UTF-8";
const CONNECT_PREFIX = "/google.dataportability.v1.DataPortabilityService/";
/** The gate opens when no call arrived for this long. */
const IDLE_MS = 5000;

/**
 * Holds calls until `count` are pending at once, then answers them all. If
 * the client cannot get that many in flight (a capped connection pool), the
 * gate also opens after `IDLE_MS` without a new arrival, or at `maxWaitMs`.
 */
class Gate {
  private waiting: Array<() => void> = [];
  private target = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleCheck: NodeJS.Timeout | undefined;
  private lastArrival = 0;
  pending = 0;
  maxPending = 0;
  served = 0;
  releasedBy: GateRelease = "none";

  arm(count: number, maxWaitMs: number): void {
    this.target = count;
    this.maxPending = 0;
    this.served = 0;
    this.releasedBy = "none";
    clearTimeout(this.timer);
    clearInterval(this.idleCheck);
    this.timer = setTimeout(() => this.release("timeout"), maxWaitMs);
    this.timer.unref();
    this.idleCheck = setInterval(() => {
      if (this.pending > 0 && performance.now() - this.lastArrival > IDLE_MS) this.release("idle");
    }, 100);
    this.idleCheck.unref();
  }

  /** Returns undefined when the gate is open (the fast path), else a promise. */
  enter(): Promise<void> | undefined {
    this.served++;
    if (this.target === 0) return undefined;
    this.pending++;
    this.lastArrival = performance.now();
    if (this.pending > this.maxPending) this.maxPending = this.pending;
    const p = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.pending >= this.target) this.release("count");
    return p;
  }

  private release(by: Exclude<GateRelease, "none">): void {
    if (this.target === 0) return;
    this.releasedBy = by;
    this.target = 0;
    clearTimeout(this.timer);
    clearInterval(this.idleCheck);
    const all = this.waiting;
    this.waiting = [];
    this.pending = 0;
    for (const resolve of all) resolve();
  }
}

const gate = new Gate();

function googleError(res: ServerResponse, httpStatus: number, status: string, message: string): void {
  send(res, httpStatus, JSON.stringify({ error: { code: httpStatus, message, status } }));
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const STATE_RE = /^\/v1\/archiveJobs\/([^/]+)\/portabilityArchiveState$/;
const JOB_VERB_RE = /^\/v1\/archiveJobs\/([^/:]+):(retry|cancel)$/;

/** Answers one REST call; returns the JSON body, or undefined after sending an error itself. */
function restAnswer(method: string, path: string, res: ServerResponse): string | undefined {
  if (method === "POST") {
    switch (path) {
      case "/v1/authorization:reset":
        return "{}";
      case "/v1/portabilityArchive:initiate":
        return '{"archiveJobId":"bench-job-1","accessType":"ACCESS_TYPE_ONE_TIME"}';
      case "/v1/accessType:check":
        return '{"oneTimeResources":["myactivity.search"],"timeBasedResources":[]}';
    }
    const m = JOB_VERB_RE.exec(path);
    if (m) return m[2] === "retry" ? '{"archiveJobId":"bench-job-2"}' : "{}";
  } else if (method === "GET") {
    const m = STATE_RE.exec(path);
    if (m) {
      return JSON.stringify({
        state: "COMPLETE",
        urls: [],
        name: `archiveJobs/${m[1]}/portabilityArchiveState`,
        startTime: "2025-01-01T00:00:00Z",
        exportTime: "2025-01-01T00:10:00Z",
      });
    }
  }
  googleError(res, 404, "NOT_FOUND", `no route for ${method} ${path}`);
  return undefined;
}

function handleRest(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? "GET";
  // Drain the request body before answering, as a real server would.
  req.on("data", () => {});
  req.on("end", () => {
    const auth = req.headers.authorization;
    if (auth === undefined || !auth.startsWith("Bearer ") || auth.length <= 7) {
      googleError(res, 401, "UNAUTHENTICATED", "Request is missing required authentication credential.");
      return;
    }
    const body = restAnswer(method, path, res);
    if (body === undefined) return;
    const held = gate.enter();
    if (held === undefined) send(res, 200, body);
    else void held.then(() => send(res, 200, body));
  });
}

function requireAuth(header: string | null): void {
  if (header === null || !header.startsWith("Bearer ") || header.length <= 7) {
    throw new ConnectError("Request is missing required authentication credential.", Code.Unauthenticated);
  }
}

function routes(router: ConnectRouter): void {
  router.service(DataPortabilityService, {
    async resetAuthorization(_req, ctx) {
      requireAuth(ctx.requestHeader.get("authorization"));
      const held = gate.enter();
      if (held !== undefined) await held;
      return {};
    },
    initiatePortabilityArchive(_req, ctx) {
      requireAuth(ctx.requestHeader.get("authorization"));
      return { archiveJobId: "bench-job-1", accessType: AccessType.ONE_TIME };
    },
    getPortabilityArchiveState(req, ctx) {
      requireAuth(ctx.requestHeader.get("authorization"));
      return { name: req.name, state: PortabilityArchiveState_State.COMPLETE, urls: [] };
    },
    retryPortabilityArchive(_req, ctx) {
      requireAuth(ctx.requestHeader.get("authorization"));
      return { archiveJobId: "bench-job-2" };
    },
    cancelPortabilityArchive(_req, ctx) {
      requireAuth(ctx.requestHeader.get("authorization"));
      return {};
    },
    checkAccessType(_req, ctx) {
      requireAuth(ctx.requestHeader.get("authorization"));
      return { oneTimeResources: ["myactivity.search"], timeBasedResources: [] };
    },
  });
}

const connectHandler = connectNodeAdapter({ routes });

const http1 = createHttpServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.url?.startsWith(CONNECT_PREFIX) === true) connectHandler(req, res);
  else handleRest(req, res);
});
http1.keepAliveTimeout = 60_000;
http1.headersTimeout = 65_000;
http1.requestTimeout = 0;
http1.maxRequestsPerSocket = 0;

const h2 = createH2Server({ settings: { maxConcurrentStreams: 2 ** 31 - 1 } }, connectHandler);
// node:http servers disable Nagle by default; do the same for h2c so the
// server adds no coalescing delay of its own.
h2.on("connection", (socket: Socket) => socket.setNoDelay(true));

/** Listens on 127.0.0.1 with a deep accept queue (the kernel caps it at somaxconn): 10,000 connects arrive at once. */
function listen(server: { listen(options: ListenOptions, cb: () => void): unknown; address(): unknown }): Promise<number> {
  return new Promise((resolve) => {
    server.listen({ port: 0, host: "127.0.0.1", backlog: 16_384 }, () => resolve((server.address() as AddressInfo).port));
  });
}

function emit(event: ServerEvent): void {
  process.send?.(event);
}

function shutdown(): void {
  http1.closeAllConnections();
  http1.close();
  h2.close();
  // Open h2 sessions would keep the process alive; the orchestrator is gone or done.
  setTimeout(() => process.exit(0), 200).unref();
}

process.on("message", (raw: unknown) => {
  const cmd = raw as ServerCommand;
  switch (cmd.type) {
    case "gate":
      gate.arm(cmd.count, cmd.maxWaitMs);
      emit({ type: "gate-armed" });
      break;
    case "stats":
      emit({ type: "stats", served: gate.served, maxPending: gate.maxPending, gateReleasedBy: gate.releasedBy });
      break;
    case "close":
      shutdown();
      break;
  }
});
process.on("disconnect", shutdown);

const [restPort, h2Port] = await Promise.all([listen(http1), listen(h2)]);
emit({ type: "ready", restPort, h2Port });
