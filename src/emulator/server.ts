/**
 * `startEmulator`: one plaintext port (HTTP/2 and HTTP/1.1) serving
 * the API over gRPC, gRPC-web, Connect and REST, plus OAuth, downloads and
 * admin routes; `close()` tears every socket and session down.
 */
import type { NodeServerResponse } from "../rest/server/index.js";
import { createCallCounter } from "./call-counter.js";
import type { VirtualClock } from "./clock.js";
import { createEmulatorCore } from "./core.js";
import { createDualProtocolServer } from "./dual-server.js";
import { faultTarget, createFaultRegistry, type FaultRegistry } from "./faults.js";
import { createEmulatorHandler } from "./http-handler.js";
import { jobView, snapshot, type EmulatorSnapshot, type JobView } from "./inspect.js";
import type { ConsentRequest, ConsentTokens } from "./oauth-store.js";
import type { EmulatorOptions, EmulatorSettings, JobOutcome } from "./options.js";
import { REVOKE_PATH, TOKEN_PATH } from "./request-route.js";

/** Job control of a running emulator. */
export interface EmulatorJobs {
  /** Every job, oldest first. */
  list(): JobView[];
  /** One job, or undefined. */
  get(id: string): JobView | undefined;
  /** Fails an IN_PROGRESS job now. @throws Error when unknown or not IN_PROGRESS. */
  fail(id: string): JobView;
  /** Completes an IN_PROGRESS job now. @throws Error when unknown or not IN_PROGRESS. */
  complete(id: string): JobView;
}

/** Call counts of a running emulator (RPC names, "token", "revoke", "download"). */
export interface EmulatorCalls {
  /** Calls of one method so far (RPC name or local name, e.g. "InitiatePortabilityArchive"). */
  count(method: string): number;
  /** Every count by method. */
  all(): Record<string, number>;
  /** Sets every count back to zero. */
  reset(): void;
}

/** A running emulator. */
export interface Emulator {
  /** `http://<host>:<port>`, no path: the base URL of every protocol. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The bound interface. */
  readonly host: string;
  /** `${url}/token`, for OAuth2Client's `endpoints.oauth2TokenUrl`. */
  readonly tokenUrl: string;
  /** `${url}/revoke`, for OAuth2Client's `endpoints.oauth2RevokeUrl`. */
  readonly revokeUrl: string;
  /** The OAuth client id `/token` accepts. */
  readonly clientId: string;
  /** The OAuth client secret `/token` accepts. */
  readonly clientSecret: string;
  /** The virtual clock. */
  readonly clock: VirtualClock;
  /** Fault injection per method. */
  readonly faults: FaultRegistry;
  /** Job control. */
  readonly jobs: EmulatorJobs;
  /** Call counts. */
  readonly calls: EmulatorCalls;
  /**
   * Records a user's consent and returns its tokens.
   *
   * @throws ConnectError INVALID_ARGUMENT for unknown groups, a bad access type or days.
   */
  consent(request: ConsentRequest): Promise<ConsentTokens>;
  /** The current settings. */
  settings(): Readonly<EmulatorSettings>;
  /** Changes settings (job duration and outcome, cooldown code, token rotation, lifetimes). */
  configure(patch: Partial<EmulatorSettings>): Readonly<EmulatorSettings>;
  /** A snapshot of the state, without token values. */
  inspect(): EmulatorSnapshot;
  /** Closes the server and every connection; resolves when done. Idempotent. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts an emulator; `await startEmulator({ port: 0 })` picks a free port on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const core = createEmulatorCore(options);
  const faults = createFaultRegistry();
  const calls = createCallCounter();
  const shutdown = new AbortController();
  const openResponses = new Set<NodeServerResponse>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; resolve: (ok: boolean) => void }>();
  let closing: Promise<void> | undefined;

  const handler = createEmulatorHandler({
    core,
    faults,
    calls,
    shutdownSignal: shutdown.signal,
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        if (shutdown.signal.aborted) return resolve(false);
        const entry = {
          timer: setTimeout(() => {
            sleepers.delete(entry);
            resolve(true);
          }, ms),
          resolve,
        };
        sleepers.add(entry);
      }),
    pending(res) {
      openResponses.add(res);
      res.on("close", () => openResponses.delete(res));
    },
  });

  const dual = createDualProtocolServer(handler);
  const server = dual.server;

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 0);
  const url = `http://${urlHost(host)}:${port}`;
  core.baseUrl = url;

  const finish = (id: string, outcome: JobOutcome) => jobView(core, core.jobs.finish(id, outcome));

  return {
    url,
    port,
    host,
    tokenUrl: url + TOKEN_PATH,
    revokeUrl: url + REVOKE_PATH,
    clientId: core.clientId,
    clientSecret: core.clientSecret,
    clock: core.clock,
    faults,
    jobs: {
      list: () => core.jobs.list().map((job) => jobView(core, job)),
      get(id) {
        const job = core.jobs.get(id);
        return job === undefined ? undefined : jobView(core, job);
      },
      fail: (id) => finish(id, "fail"),
      complete: (id) => finish(id, "complete"),
    },
    calls: {
      count: (method) => calls.count(faultTarget(method) ?? method),
      all: () => calls.all(),
      reset: () => calls.reset(),
    },
    consent: async (request) => core.oauth.consent(request),
    settings: () => core.settings(),
    configure: (patch) => core.configure(patch),
    inspect: () => snapshot(core, faults, calls),
    close() {
      if (closing === undefined) {
        shutdown.abort();
        for (const sleeper of sleepers) {
          clearTimeout(sleeper.timer);
          sleeper.resolve(false);
        }
        sleepers.clear();
        for (const res of openResponses) res.destroy();
        closing = dual.destroy();
      }
      return closing;
    },
  };
}
