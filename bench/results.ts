/**
 * The shape of `bench/results.json` (raw numbers of one run) and the targets
 * evaluated on it. Every target compares figures measured in the same run.
 */
import type { ImportSummary } from "./cold-import.js";
import type { InflightSummary } from "./inflight.js";
import type { InstallSize } from "./install-size.js";
import { ratio } from "./stats.js";
import type { ContenderSummary, LevelSummary, ThroughputConfig } from "./throughput.js";
import type { EncodeReply } from "./types.js";

/** Everything one run measured. */
export interface BenchResults {
  date: string;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  /** 1-minute load average when the run started (other work on the machine skews absolute figures). */
  loadAverageAtStart: number;
  config: ThroughputConfig & { importRuns: number; inflightCalls: number; dist: string };
  throughput: ContenderSummary[];
  encode: EncodeReply | undefined;
  coldImport: ImportSummary[] | undefined;
  installSize: InstallSize[] | undefined;
  inflight: InflightSummary[] | undefined;
  targets: TargetRow[];
  durationMs: number;
}

/** One row of the targets table. */
export interface TargetRow {
  target: string;
  measured: string;
  /** undefined when the figure could not be measured in this run. */
  pass: boolean | undefined;
}

const MB = 1e6;

function level(s: ContenderSummary | undefined, concurrency: number): LevelSummary | undefined {
  return s?.status === "ok" ? s.levels.find((l) => l.concurrency === concurrency) : undefined;
}

/** The fastest hand-written REST client at a concurrency level. */
export function fastestRaw(all: readonly ContenderSummary[], concurrency: number): { id: string; level: LevelSummary } | undefined {
  let best: { id: string; level: LevelSummary } | undefined;
  for (const c of all) {
    if (c.kind !== "raw") continue;
    const l = level(c, concurrency);
    if (l !== undefined && (best === undefined || l.callsPerSec > best.level.callsPerSec)) best = { id: c.id, level: l };
  }
  return best;
}

/** Throughput of contender `kind` over that of `base` at a level (NaN when either is missing). */
function throughputRatio(all: readonly ContenderSummary[], kind: string, base: string | "fastest-raw", concurrency: number): number {
  const a = level(all.find((c) => c.kind === kind), concurrency)?.callsPerSec;
  const b =
    base === "fastest-raw"
      ? fastestRaw(all, concurrency)?.level.callsPerSec
      : level(all.find((c) => c.kind === base), concurrency)?.callsPerSec;
  return ratio(a, b);
}

function fmtX(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : "n/a";
}

function allLevels(levels: readonly number[], values: readonly number[], ok: (v: number) => boolean): boolean | undefined {
  if (values.some((v) => !Number.isFinite(v)) || values.length !== levels.length) return undefined;
  return values.every(ok);
}

function perLevel(levels: readonly number[], values: readonly number[], fmt: (v: number) => string): string {
  return levels.map((c, i) => `c=${c}: ${fmt(values[i] ?? Number.NaN)}`).join(", ");
}

/** Evaluates the issue's targets on a run. */
export function evaluateTargets(r: Omit<BenchResults, "targets" | "durationMs">): TargetRow[] {
  const rows: TargetRow[] = [];
  const levels = r.config.levels;
  const tp = r.throughput;
  const series = (kind: string, base: string) => levels.map((c) => throughputRatio(tp, kind, base, c));

  for (const [kind, name] of [
    ["project-rest-full", "full client"],
    ["project-rest-bare", "bare transport"],
  ] as const) {
    const vsRaw = series(kind, "fastest-raw");
    rows.push({
      target: `REST reset throughput (${name}) ≥ 0.9× the fastest hand-written client, every concurrency`,
      measured: perLevel(levels, vsRaw, fmtX),
      pass: allLevels(levels, vsRaw, (v) => v >= 0.9),
    });
    const vsG = series(kind, "googleapis");
    rows.push({
      target: `REST reset throughput (${name}) ≥ 3× googleapis, every concurrency`,
      measured: perLevel(levels, vsG, fmtX),
      pass: allLevels(levels, vsG, (v) => v >= 3),
    });
  }
  const grpc = series("project-grpc-full", "grpc-bare");
  rows.push({
    target: "gRPC throughput through the full client ≥ 0.9× a bare connect-node gRPC transport",
    measured: perLevel(levels, grpc, fmtX),
    pass: allLevels(levels, grpc, (v) => v >= 0.9),
  });
  const cost = (full: string, bare: string) => series(full, bare).map((x) => 1 - x);
  const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "n/a");
  const restCost = cost("project-rest-full", "project-rest-bare");
  rows.push({
    target: "Interceptors (auth + retry) cost < 10 % of REST throughput vs the bare REST transport",
    measured: perLevel(levels, restCost, pct),
    pass: allLevels(levels, restCost, (v) => v < 0.1),
  });
  const grpcCost = cost("project-grpc-full", "grpc-bare");
  rows.push({
    target: "Interceptors (auth + retry) cost < 10 % of gRPC throughput vs the bare gRPC transport",
    measured: perLevel(levels, grpcCost, pct),
    pass: allLevels(levels, grpcCost, (v) => v < 0.1),
  });
  const connectCost = cost("project-connect-full", "connect-bare");
  rows.push({
    target: "(extra) Interceptors cost < 10 % of Connect throughput vs the bare Connect transport",
    measured: perLevel(levels, connectCost, pct),
    pass: allLevels(levels, connectCost, (v) => v < 0.1),
  });

  const enc = r.encode?.kind === "ok" ? r.encode.cases : [];
  for (const [id, limit, name] of [
    ["reset", 2, "Reset request encoding ≤ 2 µs"],
    ["ten-field", 10, "10-field message with a path variable encoding ≤ 10 µs"],
  ] as const) {
    const c = enc.find((e) => e.id === id);
    rows.push({
      target: name,
      measured: c === undefined ? "n/a" : `${c.usPerOp.toFixed(2)} µs`,
      pass: c === undefined ? undefined : c.usPerOp <= limit,
    });
  }

  const imp = (id: string) => r.coldImport?.find((i) => i.id === id && i.status === "ok");
  const bare = imp("bare");
  const proj = imp("project");
  const gapis = imp("googleapis");
  const above = bare !== undefined && proj !== undefined ? proj.wallMs - bare.wallMs : Number.NaN;
  const gAbove = bare !== undefined && gapis !== undefined ? gapis.wallMs - bare.wallMs : Number.NaN;
  rows.push({
    target: "Cold import ≤ 100 ms above bare node",
    measured: Number.isFinite(above)
      ? `+${above.toFixed(0)} ms (googleapis: +${Number.isFinite(gAbove) ? gAbove.toFixed(0) : "n/a"} ms; ratio ${fmtX(ratio(above, gAbove))})`
      : "n/a",
    pass: Number.isFinite(above) ? above <= 100 : undefined,
  });

  const size = (id: string) => r.installSize?.find((s) => s.id === id && s.status === "ok");
  const ps = size("project");
  const gs = size("googleapis");
  rows.push({
    target: "Production install ≤ 15 MB",
    measured:
      ps === undefined
        ? "n/a"
        : `${(ps.diskBytes / MB).toFixed(1)} MB (googleapis: ${gs === undefined ? "n/a" : `${(gs.diskBytes / MB).toFixed(1)} MB`}; ratio ${fmtX(ratio(ps.diskBytes, gs?.diskBytes))})`,
    pass: ps === undefined ? undefined : ps.diskBytes <= 15 * MB,
  });

  for (const [id, name] of [
    ["project-rest-full", "REST"],
    ["project-grpc-full", "gRPC"],
  ] as const) {
    const s = r.inflight?.find((i) => i.id === id);
    const reply = s?.reply;
    // All calls were pending at once: either the server held every one of
    // them together, or the client queues calls itself (maxConcurrentCalls)
    // and the server held all it was sent until arrivals stopped, so every
    // call was started and none had completed during that hold.
    const allPending =
      s !== undefined &&
      (s.maxPendingAtServer >= r.config.inflightCalls || (s.gateReleasedBy === "idle" && s.maxPendingAtServer > 0));
    const ok = reply?.kind === "ok" && reply.errors === 0 && allPending;
    const onWire = (held: number): string =>
      held >= r.config.inflightCalls
        ? `all ${held} held at the server at once`
        : `all pending at once, ${held} of them on the wire and the rest queued in the client (maxConcurrentCalls)`;
    rows.push({
      target: `${r.config.inflightCalls.toLocaleString("en-US")} concurrent calls (${name}) complete with peak RSS ≤ 150 MB`,
      measured:
        reply?.kind === "ok"
          ? `${(reply.peakRssBytes / MB).toFixed(1)} MB peak, ${reply.calls} ok / ${reply.errors} failed; ${onWire(s?.maxPendingAtServer ?? 0)}`
          : reply === undefined
            ? "n/a"
            : `${reply.kind}: ${reply.reason}`,
      pass: reply === undefined || reply.kind === "unavailable" ? undefined : ok && reply.kind === "ok" && reply.peakRssBytes <= 150 * MB,
    });
  }
  return rows;
}
