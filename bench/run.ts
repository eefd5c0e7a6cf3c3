/**
 * `npm run bench`: measures this project against googleapis and hand-written
 * HTTP clients in one run on one machine, and writes `bench/RESULTS.md`
 * (ratios, targets) and `bench/results.json` (raw numbers).
 *
 * Environment knobs (all optional):
 * - BENCH_QUICK=1        short phases, one round: for checking the harness only
 * - BENCH_SECTIONS=...   comma list of throughput,encode,import,size,inflight
 * - BENCH_CONTENDERS=... comma list of contender ids (throughput section)
 * - BENCH_DIST=path      build to load the project from (default: <root>/dist)
 * - BENCH_OUT=dir        where to write RESULTS.md/results.json (default: bench/)
 * - BENCH_CPU_PROF=dir   write a V8 CPU profile of every child process there
 * - BENCH_LEVELS=1,16,256 / BENCH_WARMUP_MS / BENCH_MEASURE_MS / BENCH_ROUNDS
 *                        override the throughput phases
 * - BENCH_RENDER_ONLY=1  measure nothing: re-derive the figures from the raw
 *                        rounds in results.json and re-render RESULTS.md (e.g.
 *                        after editing bench/ANALYSIS.md)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, platform, release } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildBenchJs } from "./build-js.js";
import { runColdImport, type ImportCase } from "./cold-import.js";
import { CONTENDERS, INFLIGHT_CONTENDERS } from "./contenders-list.js";
import { runInflight } from "./inflight.js";
import { runInstallSize } from "./install-size.js";
import { BENCH_DIR, forkBench, nextMessage, ROOT_DIR, startServer, stopChild } from "./proc.js";
import { renderReport } from "./report.js";
import { evaluateTargets, type BenchResults } from "./results.js";
import { runThroughput, summarizeLevels, type ThroughputConfig } from "./throughput.js";
import type { BenchEnv, EncodeReply } from "./types.js";

const started = performance.now();
const quick = process.env.BENCH_QUICK === "1";
const sections = new Set((process.env.BENCH_SECTIONS ?? "throughput,encode,import,size,inflight").split(","));
const only = process.env.BENCH_CONTENDERS?.split(",");
const dist = resolve(process.env.BENCH_DIST ?? join(ROOT_DIR, "dist"));
const outDir = resolve(process.env.BENCH_OUT ?? BENCH_DIR);

const numbers = (v: string | undefined): number[] | undefined =>
  v === undefined || v === "" ? undefined : v.split(",").map(Number).filter((x) => Number.isFinite(x) && x > 0);
const defaults: ThroughputConfig = quick
  ? { levels: [1, 16, 256], warmupMs: 150, measureMs: 400, rounds: 1 }
  : { levels: [1, 16, 256], warmupMs: 400, measureMs: 1200, rounds: 5 };
const throughputConfig: ThroughputConfig = {
  levels: numbers(process.env.BENCH_LEVELS) ?? defaults.levels,
  warmupMs: numbers(process.env.BENCH_WARMUP_MS)?.[0] ?? defaults.warmupMs,
  measureMs: numbers(process.env.BENCH_MEASURE_MS)?.[0] ?? defaults.measureMs,
  rounds: numbers(process.env.BENCH_ROUNDS)?.[0] ?? defaults.rounds,
};
const importRuns = quick ? 3 : 10;
const inflightCalls = 10_000;

function log(line: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[${t}s] ${line}\n`);
}

const analysisFile = join(BENCH_DIR, "ANALYSIS.md");
const readAnalysis = (): string | undefined => (existsSync(analysisFile) ? readFileSync(analysisFile, "utf8") : undefined);

if (process.env.BENCH_RENDER_ONLY === "1") {
  // Re-derive the summaries and targets from the raw rounds, then re-render.
  const saved = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")) as BenchResults;
  for (const c of saved.throughput) {
    if (c.status !== "ok") continue;
    c.levels = summarizeLevels(
      c.levels.map((l) => l.concurrency),
      c.levels.flatMap((l) => l.rounds),
    );
  }
  saved.targets = evaluateTargets(saved);
  writeFileSync(join(outDir, "results.json"), `${JSON.stringify(saved, null, 2)}\n`);
  writeFileSync(join(outDir, "RESULTS.md"), renderReport(saved, readAnalysis()));
  log(`re-derived and re-rendered ${join(outDir, "RESULTS.md")} from the raw rounds in results.json`);
  process.exit(0);
}

if (!existsSync(join(dist, "bundle/index.js"))) {
  process.stderr.write(`No build at ${dist}/bundle/index.js: run \`npm run build\` in the project root first.\n`);
  process.exit(1);
}

const benchRequire = createRequire(join(BENCH_DIR, "package.json"));

function isResult<T>(m: unknown): m is { type: "result"; reply: T } {
  return typeof m === "object" && m !== null && (m as { type?: unknown }).type === "result";
}

async function runEncode(env: BenchEnv): Promise<EncodeReply> {
  const child = forkBench("micro/encode.ts");
  try {
    const reply = nextMessage(child, isResult<EncodeReply>, 120_000);
    child.send({ env, batchMs: quick ? 50 : 200, batches: quick ? 5 : 15 });
    return (await reply).reply;
  } catch (err) {
    return { kind: "failed", reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await stopChild(child);
  }
}

function importCases(): ImportCase[] {
  return [
    { id: "bare", label: "bare node (same probe, no import)", url: undefined },
    { id: "project", label: "this project: `import 'dataportability-connect'` (dist/bundle)", url: pathToFileURL(join(dist, "bundle/index.js")).href },
    { id: "googleapis", label: "googleapis@178: `import 'googleapis'`", url: pathToFileURL(benchRequire.resolve("googleapis")).href },
    {
      id: "part-connect",
      label: "(part of the above) `@connectrpc/connect` alone",
      url: import.meta.resolve("@connectrpc/connect"),
    },
    {
      id: "part-protobuf",
      label: "(part of the above) `@bufbuild/protobuf` + `@bufbuild/protobuf/wkt` alone",
      url: import.meta.resolve("@bufbuild/protobuf/wkt"),
      after: `await import(${JSON.stringify(import.meta.resolve("@bufbuild/protobuf"))});`,
    },
    {
      id: "part-gen",
      label: "(part of the above) generated `dataportability_pb.js` alone",
      url: pathToFileURL(join(dist, "gen/google/dataportability/v1/dataportability_pb.js")).href,
    },
    {
      id: "googleapis-deep",
      label: "googleapis@178 deep import of `build/src/apis/dataportability` (not what its docs show)",
      url: pathToFileURL(benchRequire.resolve("googleapis/build/src/apis/dataportability")).href,
    },
  ];
}

log(`transpiled ${buildBenchJs()} worker files to bench/.build`);
log(`bench: node ${process.version}, dist ${dist}, sections ${[...sections].join(",")}${quick ? " (QUICK)" : ""}`);
const loadAverageAtStart = loadavg()[0] ?? 0;
const server = await startServer();
const env: BenchEnv = { restUrl: server.restUrl, h2Url: server.h2Url, token: "ya29.bench-static-access-token", dist };

const partial: Omit<BenchResults, "targets" | "durationMs"> = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${platform()} ${release()}`,
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: cpus().length,
  loadAverageAtStart,
  config: { ...throughputConfig, importRuns, inflightCalls, dist: dist.startsWith(ROOT_DIR) ? dist.slice(ROOT_DIR.length + 1) : dist },
  throughput: [],
  encode: undefined,
  coldImport: undefined,
  installSize: undefined,
  inflight: undefined,
};

try {
  if (sections.has("throughput")) {
    const list = only === undefined ? CONTENDERS : CONTENDERS.filter((c) => only.includes(c.id));
    partial.throughput = await runThroughput(list, env, throughputConfig, log);
  }
  if (sections.has("inflight")) {
    const ids = only === undefined ? INFLIGHT_CONTENDERS : INFLIGHT_CONTENDERS.filter((id) => only.includes(id));
    partial.inflight = await runInflight(server, env, ids, inflightCalls, log);
  }
} finally {
  await server.close();
}
if (sections.has("encode")) {
  partial.encode = await runEncode(env);
  log(
    partial.encode.kind === "ok"
      ? `encode: ${partial.encode.cases.map((c) => `${c.id} ${c.usPerOp.toFixed(3)} µs`).join(", ")}`
      : `encode: ${partial.encode.kind}: ${partial.encode.reason}`,
  );
}
if (sections.has("import")) partial.coldImport = runColdImport(importCases(), importRuns, log);
if (sections.has("size")) partial.installSize = runInstallSize(dist, log);

const results: BenchResults = {
  ...partial,
  targets: evaluateTargets(partial),
  durationMs: performance.now() - started,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, "RESULTS.md"), renderReport(results, readAnalysis()));
for (const t of results.targets) log(`${t.pass === undefined ? "n/a " : t.pass ? "pass" : "MISS"}  ${t.target}: ${t.measured}`);
log(`wrote ${join(outDir, "RESULTS.md")} and results.json`);
