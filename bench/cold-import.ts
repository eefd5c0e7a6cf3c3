/**
 * Cold-import section: a fresh `node` process that imports one module and
 * exits, repeated N times per case (cases interleaved), median reported.
 * "Cold" means a new process each time; the OS file cache is warm (one
 * unmeasured run per case first), as it is for a server that restarts.
 */
import { spawnSync } from "node:child_process";
import { median } from "./stats.js";

/** One thing to import. */
export interface ImportCase {
  id: string;
  label: string;
  /** file: URL to import, or undefined for the bare-node probe. */
  url: string | undefined;
  /** Optional ES module code run after the import, with the module bound to `m`. */
  after?: string;
}

/** One measured process. */
export interface ImportRun {
  /** Spawn-to-exit wall time seen by the parent. */
  wallMs: number;
  /** `import()` time inside the child (plus `after`). */
  importMs: number;
  /** Peak RSS of the child, bytes. */
  maxRssBytes: number;
}

/** Medians for one case. */
export interface ImportSummary {
  id: string;
  label: string;
  status: "ok" | "failed";
  reason?: string;
  wallMs: number;
  importMs: number;
  maxRssBytes: number;
  runs: ImportRun[];
}

function probe(after: string | undefined): string {
  return [
    "const t0 = performance.now();",
    "const u = process.argv[1];",
    "const m = u ? await import(u) : undefined;",
    after ?? "",
    "const t1 = performance.now();",
    // VmHWM, not resourceUsage().maxRSS: Linux carries the parent's peak across fork+exec.
    "let maxRss = process.resourceUsage().maxRSS * 1024;",
    "try { const s = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8'); const h = /VmHWM:\\s+(\\d+)/.exec(s); if (h) maxRss = Number(h[1]) * 1024; } catch {}",
    "process.stdout.write(JSON.stringify({ importMs: t1 - t0, maxRss }));",
  ].join("\n");
}

function runOnce(c: ImportCase): ImportRun {
  const args = ["--input-type=module", "-e", probe(c.after)];
  if (c.url !== undefined) args.push(c.url);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "" } });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${(r.stderr || r.error?.message || "").slice(0, 400)}`);
  const parsed = JSON.parse(r.stdout) as { importMs: number; maxRss: number };
  return { wallMs, importMs: parsed.importMs, maxRssBytes: parsed.maxRss };
}

/** Runs every case `runs` times, interleaved. */
export function runColdImport(cases: readonly ImportCase[], runs: number, log: (line: string) => void): ImportSummary[] {
  const results = new Map<string, ImportRun[]>();
  const failed = new Map<string, string>();
  for (const c of cases) {
    try {
      runOnce(c); // file-cache warm-up, not measured
      results.set(c.id, []);
    } catch (err) {
      failed.set(c.id, err instanceof Error ? err.message : String(err));
    }
  }
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      const list = results.get(c.id);
      if (list === undefined) continue;
      try {
        list.push(runOnce(c));
      } catch (err) {
        failed.set(c.id, err instanceof Error ? err.message : String(err));
        results.delete(c.id);
      }
    }
  }
  return cases.map((c) => {
    const list = results.get(c.id) ?? [];
    const reason = failed.get(c.id);
    const s: ImportSummary = {
      id: c.id,
      label: c.label,
      status: reason === undefined ? "ok" : "failed",
      wallMs: median(list.map((r) => r.wallMs)),
      importMs: median(list.map((r) => r.importMs)),
      maxRssBytes: median(list.map((r) => r.maxRssBytes)),
      runs: list,
    };
    if (reason !== undefined) s.reason = reason;
    log(
      reason === undefined
        ? `import ${c.id}: wall ${s.wallMs.toFixed(0)} ms, import ${s.importMs.toFixed(0)} ms, RSS ${(s.maxRssBytes / 2 ** 20).toFixed(1)} MiB`
        : `import ${c.id}: failed: ${reason}`,
    );
    return s;
  });
}
