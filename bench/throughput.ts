/**
 * Throughput/latency section: every contender, every concurrency level,
 * several rounds in rotating order (so slow drift of the machine hits all
 * contenders alike), one fresh worker process per contender and round.
 * The reported figures per level are medians over the rounds (robust to
 * one disturbed or one lucky round); the best round's calls/s is kept too.
 */
import type { ContenderInfo } from "./contenders-list.js";
import { forkBench, nextMessage, stopChild, WORKER_FILE } from "./proc.js";
import { median } from "./stats.js";
import type { BenchEnv, LevelResult, ThroughputReply } from "./types.js";
import type { WorkerJob } from "./worker.js";

/** Settings of the throughput section. */
export interface ThroughputConfig {
  levels: number[];
  warmupMs: number;
  measureMs: number;
  rounds: number;
}

/** Median figures of one contender at one level over the rounds, plus every round's raw result. */
export interface LevelSummary {
  concurrency: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerCall: number;
  /** Calls/s of the best round, for reference. */
  bestCallsPerSec: number;
  rounds: LevelResult[];
}

/** Outcome for one contender. */
export interface ContenderSummary {
  id: string;
  label: string;
  kind: ContenderInfo["kind"];
  status: "ok" | "unavailable" | "failed";
  reason?: string;
  levels: LevelSummary[];
}

function isResult(m: unknown): m is { type: "result"; reply: ThroughputReply } {
  return typeof m === "object" && m !== null && (m as { type?: unknown }).type === "result";
}

async function runWorker(job: WorkerJob, timeoutMs: number): Promise<ThroughputReply> {
  const child = forkBench(WORKER_FILE);
  try {
    const reply = nextMessage(child, isResult, timeoutMs);
    child.send(job);
    return (await reply).reply;
  } catch (err) {
    return { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await stopChild(child);
  }
}

/** Runs the section; `log` gets one line per worker. */
export async function runThroughput(
  contenders: readonly ContenderInfo[],
  env: BenchEnv,
  cfg: ThroughputConfig,
  log: (line: string) => void,
): Promise<ContenderSummary[]> {
  const perContender = new Map<string, ThroughputReply[]>();
  const timeoutMs = 60_000 + cfg.levels.length * (cfg.warmupMs + cfg.measureMs) * 2;
  for (let round = 0; round < cfg.rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const c = contenders[(i + round) % contenders.length];
      if (c === undefined) continue;
      const previous = perContender.get(c.id) ?? [];
      if (previous.some((r) => r.kind !== "ok")) continue; // n/a or broken: don't retry every round
      const reply = await runWorker(
        { mode: "throughput", contender: c.id, env, levels: cfg.levels, warmupMs: cfg.warmupMs, measureMs: cfg.measureMs },
        timeoutMs,
      );
      previous.push(reply);
      perContender.set(c.id, previous);
      log(`round ${round + 1}/${cfg.rounds} ${c.id}: ${describeReply(reply)}`);
    }
  }
  return contenders.map((c) => summarize(c, perContender.get(c.id) ?? []));
}

function describeReply(reply: ThroughputReply): string {
  if (reply.kind !== "ok") return `${reply.kind}: ${reply.reason}`;
  return reply.levels
    .map((l) => `c=${l.concurrency} ${Math.round(l.callsPerSec)}/s p50=${l.p50Ms.toFixed(2)}ms cpu=${l.cpuUsPerCall.toFixed(0)}µs${l.errors ? ` ERR ${l.firstError}` : ""}`)
    .join(", ");
}

function summarize(c: ContenderInfo, replies: ThroughputReply[]): ContenderSummary {
  const base = { id: c.id, label: c.label, kind: c.kind };
  for (const r of replies) {
    if (r.kind !== "ok") return { ...base, status: r.kind, reason: r.reason, levels: [] };
  }
  if (replies.length === 0) return { ...base, status: "failed", reason: "not run", levels: [] };
  const okReplies = replies.filter((r): r is Extract<ThroughputReply, { kind: "ok" }> => r.kind === "ok");
  const errored = okReplies.flatMap((r) => r.levels).find((l) => l.errors > 0);
  if (errored !== undefined) {
    return { ...base, status: "failed", reason: `errors at c=${errored.concurrency}: ${errored.firstError ?? "?"}`, levels: [] };
  }
  const concurrencies = okReplies[0]?.levels.map((l) => l.concurrency) ?? [];
  const levels = summarizeLevels(
    concurrencies,
    okReplies.flatMap((r) => r.levels),
  );
  return { ...base, status: "ok", levels };
}

/** Median figures per concurrency level from every round's raw results. */
export function summarizeLevels(concurrencies: readonly number[], all: readonly LevelResult[]): LevelSummary[] {
  return concurrencies.map((concurrency) => {
    const rounds = all.filter((l) => l.concurrency === concurrency);
    return {
      concurrency,
      callsPerSec: median(rounds.map((l) => l.callsPerSec)),
      p50Ms: median(rounds.map((l) => l.p50Ms)),
      p99Ms: median(rounds.map((l) => l.p99Ms)),
      cpuUsPerCall: median(rounds.map((l) => l.cpuUsPerCall)),
      bestCallsPerSec: Math.max(...rounds.map((l) => l.callsPerSec)),
      rounds,
    };
  });
}
