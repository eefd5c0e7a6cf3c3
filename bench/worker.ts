/**
 * A benchmark worker process (forked by `run.ts`, one per contender and
 * round). It loads one contender from `bench/contenders/<name>.ts`, checks
 * one call, then either
 * - "throughput": for each concurrency level runs a warm-up phase and a
 *   measured phase of fixed duration, with `concurrency` loops each doing one
 *   call at a time; or
 * - "inflight": waits for the orchestrator to arm the server gate, then
 *   starts `count` calls at once and waits for all of them,
 * and reports the result over IPC. Every loop stops by itself at its deadline.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import { percentile } from "./stats.js";
import {
  Unavailable,
  type BenchEnv,
  type Contender,
  type ContenderFactory,
  type InflightReply,
  type LevelResult,
  type ThroughputReply,
} from "./types.js";

/** The job a worker receives as its first IPC message. */
export type WorkerJob =
  | { mode: "throughput"; contender: string; env: BenchEnv; levels: number[]; warmupMs: number; measureMs: number }
  | { mode: "inflight"; contender: string; env: BenchEnv; count: number };

const here = dirname(fileURLToPath(import.meta.url));
/** ".js" when running transpiled from bench/.build, ".ts" under tsx. */
const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}

async function load(name: string, env: BenchEnv): Promise<Contender> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad contender name ${name}`);
  const url = pathToFileURL(join(here, "contenders", `${name}${ext}`)).href;
  const mod = (await import(url)) as { create: ContenderFactory };
  return mod.create(env);
}

/**
 * Peak RSS of this process in bytes: VmHWM from /proc/self/status on Linux.
 * (`process.resourceUsage().maxRSS` is not used there: Linux carries the
 * parent's high-water mark across fork+exec, so a child can report the
 * orchestrator's peak instead of its own.)
 */
function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m?.[1] !== undefined) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function phase(contender: Contender, concurrency: number, durationMs: number): Promise<LevelResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline && errors < 100) {
      const t0 = performance.now();
      try {
        await contender.call();
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= describe(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const sorted = Float64Array.from(latencies).sort();
  const result: LevelResult = {
    concurrency,
    calls: latencies.length,
    errors,
    elapsedMs,
    callsPerSec: (latencies.length * 1000) / elapsedMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, latencies.length),
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

async function throughput(job: Extract<WorkerJob, { mode: "throughput" }>, c: Contender): Promise<ThroughputReply> {
  const levels: LevelResult[] = [];
  for (const concurrency of job.levels) {
    await phase(c, concurrency, job.warmupMs);
    const r = await phase(c, concurrency, job.measureMs);
    levels.push(r);
    if (r.errors > 0) break;
  }
  return { kind: "ok", levels };
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    process.once("message", () => resolve());
    process.send?.({ type: "armed?" });
  });
}

/**
 * Sequential calls made before the in-flight burst, so that what every
 * contender loads or compiles once (modules loaded on the first call,
 * undici's llhttp WebAssembly and its optimizing tier-up, connection set-up)
 * is not counted as memory of calls in flight.
 */
const INFLIGHT_WARMUP_CALLS = 300;

async function inflight(job: Extract<WorkerJob, { mode: "inflight" }>, c: Contender): Promise<InflightReply> {
  for (let i = 0; i < INFLIGHT_WARMUP_CALLS; i++) await c.call();
  const rssBeforeBytes = process.memoryUsage.rss();
  await waitForGo();
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const calls = Array.from({ length: job.count }, () =>
    c.call().catch((err: unknown) => {
      errors++;
      firstError ??= describe(err);
    }),
  );
  await Promise.all(calls);
  const elapsedMs = performance.now() - start;
  const reply: InflightReply = {
    kind: "ok",
    calls: job.count - errors,
    errors,
    elapsedMs,
    rssBeforeBytes,
    peakRssBytes: peakRssBytes(),
  };
  if (firstError !== undefined) reply.firstError = firstError;
  return reply;
}

async function run(job: WorkerJob): Promise<ThroughputReply | InflightReply> {
  let c: Contender;
  try {
    c = await load(job.contender, job.env);
  } catch (err) {
    if (err instanceof Unavailable) return { kind: "unavailable", reason: err.message };
    return { kind: "failed", reason: `setup: ${describe(err)}` };
  }
  try {
    try {
      await c.call();
    } catch (err) {
      return { kind: "failed", reason: `first call: ${describe(err)}` };
    }
    return job.mode === "throughput" ? await throughput(job, c) : await inflight(job, c);
  } finally {
    await c.close().catch(() => {});
  }
}

process.once("message", (raw: unknown) => {
  void run(raw as WorkerJob).then((reply) => {
    process.send?.({ type: "result", reply }, () => process.exit(0));
  });
});
process.on("disconnect", () => process.exit(1));
