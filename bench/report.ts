/**
 * Renders `bench/RESULTS.md` from one run's results (pure function).
 */
import type { BenchResults } from "./results.js";
import { fastestRaw } from "./results.js";
import { ratio } from "./stats.js";

const MB = 1e6;

function x(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : "–";
}

function n(v: number | undefined, digits = 0): string {
  return v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "–";
}

function mb(bytes: number | undefined): string {
  return bytes !== undefined && Number.isFinite(bytes) ? (bytes / MB).toFixed(1) : "–";
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function targetsSection(r: BenchResults): string {
  const rows = r.targets.map((t) => [t.target, t.measured, t.pass === undefined ? "n/a" : t.pass ? "**pass**" : "**MISS**"]);
  return `## Targets\n\n${table(["target", "measured in this run", "result"], rows)}`;
}

function throughputSection(r: BenchResults): string {
  const out: string[] = ["## Reset call: throughput and latency"];
  const googleapis = r.throughput.find((c) => c.kind === "googleapis");
  for (const concurrency of r.config.levels) {
    const raw = fastestRaw(r.throughput, concurrency);
    const g = googleapis?.levels.find((l) => l.concurrency === concurrency);
    const bestRaw = Math.max(
      ...r.throughput.filter((c) => c.kind === "raw").flatMap((c) => c.levels.filter((l) => l.concurrency === concurrency).map((l) => l.bestCallsPerSec)),
    );
    const rows = r.throughput.map((c) => {
      const l = c.levels.find((v) => v.concurrency === concurrency);
      if (c.status !== "ok" || l === undefined) {
        return [c.label, c.status === "unavailable" ? "n/a (not built yet)" : `failed: ${(c.reason ?? "").replace(/\|/g, "/")}`, "", "", "", "", "", "", "", "", "", ""];
      }
      return [
        c.label,
        n(l.callsPerSec),
        x(ratio(l.callsPerSec, raw?.level.callsPerSec)),
        n(l.bestCallsPerSec),
        x(ratio(l.bestCallsPerSec, bestRaw)),
        x(ratio(l.callsPerSec, g?.callsPerSec)),
        n(l.p50Ms, 2),
        x(ratio(l.p50Ms, raw?.level.p50Ms)),
        n(l.p99Ms, 2),
        x(ratio(l.p99Ms, raw?.level.p99Ms)),
        n(l.cpuUsPerCall),
        x(ratio(l.cpuUsPerCall, raw?.level.cpuUsPerCall)),
      ];
    });
    out.push(
      `### Concurrency ${concurrency}\n\nFastest hand-written client: \`${raw?.id ?? "–"}\`. ` +
        `Latency and CPU ratios: lower is better. Client CPU is user + system time of the client process per call.\n\n` +
        table(
          ["contender", "calls/s", "× fastest raw", "best round calls/s", "best × best raw", "× googleapis", "p50 ms", "p50 × raw", "p99 ms", "p99 × raw", "client CPU µs/call", "CPU × raw"],
          rows,
        ),
    );
  }
  return out.join("\n\n");
}

function encodeSection(r: BenchResults): string {
  const e = r.encode;
  if (e === undefined) return "## Transcoding cost (encode only)\n\nNot run.";
  if (e.kind !== "ok") return `## Transcoding cost (encode only)\n\n${e.kind}: ${e.reason}`;
  const rows = e.cases.map((c) => [c.label, n(c.usPerOp, 3), `\`${c.sample.replace(/\|/g, "\\|")}\``]);
  return `## Transcoding cost (encode only)\n\nAPI: \`${e.api}\`, median of timed batches after warm-up.\n\n${table(["request", "µs / op", "encoded as"], rows)}`;
}

function importSection(r: BenchResults): string {
  const list = r.coldImport;
  if (list === undefined) return "## Cold import\n\nNot run.";
  const bare = list.find((i) => i.id === "bare");
  const g = list.find((i) => i.id === "googleapis");
  const gAbove = g !== undefined && bare !== undefined ? g.wallMs - bare.wallMs : Number.NaN;
  const rows = list.map((i) => {
    if (i.status !== "ok") return [i.label, `failed: ${i.reason ?? ""}`, "", "", "", "", "", ""];
    const above = bare === undefined ? Number.NaN : i.wallMs - bare.wallMs;
    return [
      i.label,
      n(i.wallMs),
      i.id === "bare" ? "–" : `+${n(above)}`,
      x(ratio(i.wallMs, bare?.wallMs)),
      i.id === "bare" || i.id === "googleapis" ? "–" : x(ratio(above, gAbove)),
      n(i.importMs),
      mb(i.maxRssBytes),
      i.id === "bare" ? "–" : `+${mb(i.maxRssBytes - (bare?.maxRssBytes ?? Number.NaN))}`,
    ];
  });
  return (
    `## Cold import\n\nA fresh \`node\` process imports the module and exits; median of ${r.config.importRuns} runs per case, cases interleaved.\n\n` +
    table(
      ["process", "wall ms", "ms above bare", "× bare", "overhead × googleapis", "in-process import ms", "peak RSS MB", "RSS above bare MB"],
      rows,
    )
  );
}

function sizeSection(r: BenchResults): string {
  const list = r.installSize;
  if (list === undefined) return "## Production install size\n\nNot run.";
  const g = list.find((s) => s.id === "googleapis");
  const rows = list.map((s) =>
    s.status !== "ok"
      ? [s.label, `failed: ${s.reason ?? ""}`, "", "", "", ""]
      : [s.label, mb(s.diskBytes), mb(s.apparentBytes), x(ratio(s.diskBytes, g?.diskBytes)), String(s.packages), s.tarballBytes === undefined ? "–" : `${(s.tarballBytes / 1000).toFixed(0)} kB`],
  );
  return `## Production install size\n\n\`npm install --omit=dev\` into an empty folder, \`du\` of its \`node_modules\`.\n\n${table(
    ["package", "on disk MB (`du -sk`)", "apparent MB", "× googleapis", "packages", "tarball"],
    rows,
  )}`;
}

function inflightSection(r: BenchResults): string {
  const list = r.inflight;
  if (list === undefined) return "## Calls in flight\n\nNot run.";
  const baseOf = (id: string): string => (id.includes("grpc") ? "connect-grpc-bare" : "raw-http");
  const peak = (id: string): number | undefined => {
    const reply = list.find((s) => s.id === id)?.reply;
    return reply?.kind === "ok" ? reply.peakRssBytes : undefined;
  };
  const rows = list.map((s) => {
    const reply = s.reply;
    if (reply.kind !== "ok") return [s.id, `${reply.kind}: ${reply.reason}`, "", "", "", "", ""];
    return [
      `\`${s.id}\``,
      mb(reply.peakRssBytes),
      s.id === baseOf(s.id) ? "baseline" : `${x(ratio(reply.peakRssBytes, peak(baseOf(s.id))))} \`${baseOf(s.id)}\``,
      mb(reply.rssBeforeBytes),
      `${reply.calls} / ${reply.errors}`,
      `${s.maxPendingAtServer} (${s.gateReleasedBy})`,
      n(reply.elapsedMs),
    ];
  });
  return (
    `## ${r.config.inflightCalls.toLocaleString("en-US")} calls in flight at once\n\n` +
    `Each client runs in a fresh process, makes 300 calls one after another (so one-time start-up work such as loading modules and compiling undici's WebAssembly HTTP parser is done), then starts all calls at once; the server holds every call until all of them are pending (or, for a client that queues calls itself, until arrivals stop for 5 s), then answers. ` +
    `Peak RSS is the process high-water mark (\`VmHWM\` in /proc/self/status). ` +
    `Rows ending in \`@heap128\` run the same client with \`node --max-old-space-size=128\` (a heap cap, as containers are often run): they show how much of the peak is garbage that V8 merely had not collected yet.\n\n` +
    table(["client", "peak RSS MB", "× baseline", "RSS before burst MB", "ok / failed", "held at server at once", "burst ms"], rows)
  );
}

function methodSection(r: BenchResults): string {
  const c = r.config;
  return `## Method

- One run of \`npm run bench\`: every figure is a **ratio against a baseline measured in the same run on the same machine**; absolute numbers depend on the machine and on whatever else runs on it (1-minute load average at the start: ${r.loadAverageAtStart.toFixed(2)}). Compare ratios, not absolute values, across runs.
- Server: a separate Node process (\`bench/server.ts\`) on 127.0.0.1: a \`node:http\` keep-alive server answering the six REST routes like the real API (\`POST /v1/authorization:reset\` → \`{}\` with \`content-type: application/json; charset=UTF-8\`; a missing bearer token → 401 Google error JSON), and a connect-node h2c server (gRPC, gRPC-web, Connect) for the same service. A minimal server is used rather than the emulator because the emulator really revokes the token on reset.
- Every contender sends \`authorization: Bearer <token>\`; the bare transports pass it as a static call header, the full client through its auth interceptor. Each contender runs in its own worker process (\`bench/worker.ts\`), so client and server never share an event loop; with 2 cores the client and the server each get about one.
- Throughput: for concurrency ${c.levels.join(", ")}: ${c.warmupMs} ms warm-up, then ${c.measureMs} ms measured with that many loops each making one call at a time; ${c.rounds} rounds in rotating contender order, one fresh process per contender and round. Each figure (calls/s, p50/p99 over all calls of the measured phase, client CPU per call) is the median over the rounds; "best round" is the highest calls/s of any round. Every round's numbers are in \`results.json\`.
- The project is loaded from its build (\`${c.dist}\`), as users run it.
- Cold import: \`node --input-type=module -e "await import(<module>)"\`, wall time seen by the parent; "bare" is the same probe with no import. Googleapis is imported as \`googleapis\` (its main entry), as users do.
- Install size: this project is \`npm pack\`ed and the tarball installed with \`--omit=dev\`; googleapis@178.0.0 likewise. MB = 10⁶ bytes.`;
}

/** The whole RESULTS.md text; `analysis` is appended verbatim when given. */
export function renderReport(r: BenchResults, analysis: string | undefined): string {
  const head = `# Benchmark results

Generated by \`npm run bench\` on ${r.date} — Node ${r.node}, ${r.platform}, CPU: ${r.cpu} (${r.cores} cores). Run time ${(r.durationMs / 1000).toFixed(0)} s.

**All figures are ratios within this one run** (same machine, same moment); absolute calls/s, milliseconds and megabytes are shown for context only.`;
  const parts = [
    head,
    targetsSection(r),
    throughputSection(r),
    encodeSection(r),
    importSection(r),
    sizeSection(r),
    inflightSection(r),
    methodSection(r),
  ];
  if (analysis !== undefined && analysis.trim() !== "") parts.push(analysis.trim());
  return `${parts.join("\n\n")}\n`;
}
