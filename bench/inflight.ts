/**
 * Memory section: peak RSS of a client process while `count` reset calls are
 * in flight at once. The server gate holds every call until `count` are
 * pending together, so the overlap is real and checked (`maxPendingAtServer`).
 */
import { forkBench, nextMessage, stopChild, WORKER_FILE, type ServerHandle } from "./proc.js";
import type { BenchEnv, GateRelease, InflightReply } from "./types.js";
import type { WorkerJob } from "./worker.js";

/** Outcome of one contender in the in-flight test. */
export interface InflightSummary {
  id: string;
  reply: InflightReply;
  /** Most calls the server held at once. */
  maxPendingAtServer: number;
  /** Why the gate opened: all calls arrived ("count"), arrivals stopped ("idle") or time ran out. */
  gateReleasedBy: GateRelease;
}

const isType =
  (type: string) =>
  (m: unknown): m is { type: string; reply?: InflightReply } =>
    typeof m === "object" && m !== null && (m as { type?: unknown }).type === type;

/**
 * Node flags of a contender variant: `<contender>@heap128` runs the same
 * client in a process whose old generation is capped at 128 MB
 * (`--max-old-space-size=128`, as containers are often run), which makes V8
 * collect garbage before the heap grows past it.
 */
const VARIANT_FLAGS: Readonly<Record<string, readonly string[]>> = {
  heap128: ["--max-old-space-size=128"],
};

async function runOne(server: ServerHandle, env: BenchEnv, id: string, count: number, maxWaitMs: number): Promise<InflightSummary> {
  const [contender = id, variant] = id.split("@");
  const flags = variant === undefined ? [] : VARIANT_FLAGS[variant];
  if (flags === undefined) throw new Error(`unknown contender variant in ${id}`);
  const child = forkBench(WORKER_FILE, flags);
  try {
    const job: WorkerJob = { mode: "inflight", contender, env, count };
    const askedToArm = nextMessage(child, isType("armed?"), 60_000);
    const result = nextMessage(child, isType("result"), 60_000 + maxWaitMs * 2);
    result.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
    askedToArm.catch(() => {});
    child.send(job);
    // The worker either asks for the gate (then runs the burst) or fails early.
    const first = await Promise.race([askedToArm.then(() => "arm" as const), result.then(() => "result" as const)]);
    if (first === "arm") {
      await server.request({ type: "gate", count, maxWaitMs }, "gate-armed");
      child.send({ type: "go" });
    }
    const reply = (await result).reply ?? { kind: "failed", reason: "no reply" };
    if (first !== "arm") return { id, reply, maxPendingAtServer: 0, gateReleasedBy: "none" };
    const stats = await server.request({ type: "stats" }, "stats");
    return { id, reply, maxPendingAtServer: stats.maxPending, gateReleasedBy: stats.gateReleasedBy };
  } catch (err) {
    return {
      id,
      reply: { kind: "failed", reason: err instanceof Error ? err.message : String(err) },
      maxPendingAtServer: 0,
      gateReleasedBy: "none",
    };
  } finally {
    await stopChild(child);
  }
}

/** Runs the section for each contender id in order. */
export async function runInflight(
  server: ServerHandle,
  env: BenchEnv,
  ids: readonly string[],
  count: number,
  log: (line: string) => void,
): Promise<InflightSummary[]> {
  const out: InflightSummary[] = [];
  for (const id of ids) {
    const s = await runOne(server, env, id, count, 60_000);
    const r = s.reply;
    log(
      r.kind === "ok"
        ? `inflight ${id}: ${r.calls} ok, ${r.errors} errors, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(1)} MiB (before ${(r.rssBeforeBytes / 2 ** 20).toFixed(1)}), server held ${s.maxPendingAtServer} (${s.gateReleasedBy}), ${Math.round(r.elapsedMs)} ms`
        : `inflight ${id}: ${r.kind}: ${r.reason}`,
    );
    out.push(s);
  }
  return out;
}
