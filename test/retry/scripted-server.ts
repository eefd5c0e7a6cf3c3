/**
 * A Data Portability server on loopback whose answers are scripted per
 * method: each call takes the next step (an error, a hang, or success) and
 * is recorded with its arrival time. Serves Connect/gRPC-web over HTTP/1.1
 * and gRPC over h2c.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AccessType, DataPortabilityService, PortabilityArchiveState_State } from "../../src/index.js";

/** One scripted answer. */
export type Step =
  | { error: ConnectError }
  /** Does the work (e.g. creates the job), then fails as if the response were lost. */
  | { errorAfterWork: ConnectError }
  | { hangMs: number }
  | "ok";

/** A recorded call. */
export interface Attempt {
  method: string;
  at: number;
}

export interface ScriptedServer {
  readonly url: string;
  readonly h2Url: string;
  readonly attempts: Attempt[];
  /** Jobs actually created by InitiatePortabilityArchive / RetryPortabilityArchive. */
  readonly jobsCreated: string[];
  /** Queues steps for `method` (an RPC name); calls beyond the script succeed. */
  script(method: string, ...steps: Step[]): void;
  /** Attempts of one method. */
  count(method: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startScriptedServer(port = 0): Promise<ScriptedServer> {
  const scripts = new Map<string, Step[]>();
  const attempts: Attempt[] = [];
  const jobsCreated: string[] = [];
  let jobs = 0;

  async function play<T>(ctx: HandlerContext, work: () => T): Promise<T> {
    attempts.push({ method: ctx.method.name, at: Date.now() });
    const step = scripts.get(ctx.method.name)?.shift() ?? "ok";
    if (step === "ok") return work();
    if ("error" in step) throw step.error;
    if ("errorAfterWork" in step) {
      work();
      throw step.errorAfterWork;
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, step.hangMs);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(t);
        reject(new ConnectError("client went away", Code.Canceled));
      });
    });
    return work();
  }
  const newJob = () => {
    const id = `job-${++jobs}`;
    jobsCreated.push(id);
    return id;
  };
  const impl: ServiceImpl<typeof DataPortabilityService> = {
    initiatePortabilityArchive: (_r, ctx) => play(ctx, () => ({ archiveJobId: newJob(), accessType: AccessType.ONE_TIME })),
    getPortabilityArchiveState: (r, ctx) => play(ctx, () => ({ name: r.name, state: PortabilityArchiveState_State.IN_PROGRESS })),
    retryPortabilityArchive: (_r, ctx) => play(ctx, () => ({ archiveJobId: newJob() })),
    cancelPortabilityArchive: (_r, ctx) => play(ctx, () => ({})),
    resetAuthorization: (_r, ctx) => play(ctx, () => ({})),
    checkAccessType: (_r, ctx) => play(ctx, () => ({ oneTimeResources: ["myactivity.search"] })),
  };
  const adapter = connectNodeAdapter({ routes: (router) => router.service(DataPortabilityService, impl) });
  const s1 = http.createServer(adapter);
  const s2 = http2.createServer(adapter);
  const sessions = new Set<http2.ServerHttp2Session>();
  s2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((r) => s1.listen(port, "127.0.0.1", r));
  await new Promise<void>((r) => s2.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(s1.address() as AddressInfo).port}`,
    h2Url: `http://127.0.0.1:${(s2.address() as AddressInfo).port}`,
    attempts,
    jobsCreated,
    script(method, ...steps) {
      scripts.set(method, [...(scripts.get(method) ?? []), ...steps]);
    },
    count(method) {
      return attempts.filter((a) => a.method === method).length;
    },
    reset() {
      scripts.clear();
      attempts.length = 0;
      jobsCreated.length = 0;
    },
    async close() {
      s1.closeAllConnections();
      for (const s of sessions) s.destroy();
      await Promise.all([new Promise((r) => s1.close(r)), new Promise((r) => s2.close(r))]);
    },
  };
}
