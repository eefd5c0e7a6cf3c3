/**
 * `export`: the export helper from the command line: check access →
 * initiate → poll (progress bar) → download → the guarded reset.
 *
 * @module
 */

import type { Command } from "commander";
import { DataPortabilityService } from "../../../gen/google/dataportability/v1/dataportability_pb.js";
import { createExportSession, type ExportJob, type ExportResult } from "../../export/index.js";
import { parseDuration, parseInteger, parseResources } from "../arguments.js";
import { openContext } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import type { GlobalOptions } from "../global-options.js";
import { createBarProgress, createLineProgress, type ExportProgressView } from "../export-progress.js";
import { writeLine } from "../io.js";
import { printJson, printLines } from "../output.js";
import { action, type CliRuntime } from "../runtime.js";
import { printDryRun, windowOf } from "./rpc.js";

/** Flags of `export`. */
interface ExportFlags {
  out: string;
  start?: string;
  end?: string;
  combined?: boolean;
  reset: boolean;
  overwrite?: boolean;
  retries?: string;
  pollInterval?: string;
  maxWait?: string;
}

function jobSummary(job: ExportJob): string[] {
  const head = `job ${job.jobId} (${job.resources.join(", ")}): ${job.stateName}`;
  if (job.files.length === 0) return [head];
  return [head, ...job.files.map((file) => `  ${file.path} (${file.bytes} bytes)`)];
}

function jobJson(job: ExportJob) {
  return {
    jobId: job.jobId,
    resources: job.resources,
    state: job.stateName,
    downloaded: job.downloaded,
    previousJobIds: job.previousJobIds,
    exportTime: job.exportTime?.toISOString(),
    files: job.files.map((file) => ({ path: file.path, bytes: file.bytes })),
  };
}

function resultLines(result: ExportResult, resetWanted: boolean): string[] {
  const lines = result.jobs.flatMap(jobSummary);
  if (result.reset) lines.push("Authorization reset: every job was done and downloaded, so the tokens are now revoked.");
  else if (!resetWanted) lines.push("Authorization kept (--no-reset): run `dataportability reset` once you are done.");
  else lines.push("Authorization kept: not every job was done and downloaded.");
  return lines;
}

async function progressView(runtime: CliRuntime, globals: GlobalOptions): Promise<ExportProgressView | undefined> {
  if (globals.json) return undefined;
  const stderr = runtime.io.stderr;
  if (stderr.isTTY === true) return createBarProgress(stderr as NodeJS.WritableStream, runtime.secrets);
  return createLineProgress(stderr, runtime.secrets);
}

async function runExportCommand(
  runtime: CliRuntime,
  globals: GlobalOptions,
  resourceArgs: string[],
  flags: ExportFlags,
): Promise<ExitCode> {
  const resources = parseResources(resourceArgs);
  const window = windowOf(flags);
  const grouping = flags.combined ? "combined" : "per-group";
  const maxRetries = flags.retries === undefined ? 0 : parseInteger("--retries", flags.retries, 0, 3);
  const initialMs = flags.pollInterval === undefined ? undefined : parseDuration("--poll-interval", flags.pollInterval);
  const maxWaitMs = flags.maxWait === undefined ? undefined : parseDuration("--max-wait", flags.maxWait);
  if (globals.dryRun) {
    // The requests the export starts with; polling, downloads and the reset follow from the answers.
    printDryRun(runtime, globals, DataPortabilityService.method.checkAccessType, {});
    const groups = grouping === "combined" ? [resources] : resources.map((group) => [group]);
    for (const group of groups) {
      printDryRun(runtime, globals, DataPortabilityService.method.initiatePortabilityArchive, { resources: group });
    }
    return EXIT.ok;
  }
  const context = await openContext(globals, runtime.io, runtime.secrets);
  const view = await progressView(runtime, globals);
  try {
    const session = createExportSession(context.client, {
      ...(view ? { onProgress: (event) => view.onEvent(event) } : {}),
      ...(initialMs !== undefined ? { backoff: { initialMs, maxMs: Math.max(initialMs, 60 * 60_000) } } : {}),
      ...(context.sleep ? { sleep: context.sleep } : {}),
      ...(runtime.io.signal ? { signal: runtime.io.signal } : {}),
      ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
      maxRetries,
      download: { overwrite: flags.overwrite === true },
    });
    const result = await session.export({ resources, outDir: flags.out, resetAfter: flags.reset, grouping, ...window });
    view?.stop();
    if (globals.json) printJson(runtime.io, { jobs: result.jobs.map(jobJson), reset: result.reset }, runtime.secrets);
    else printLines(runtime.io, resultLines(result, flags.reset), runtime.secrets);
    const ended = result.jobs.filter((job) => !job.downloaded);
    if (ended.length === 0) return EXIT.ok;
    if (!globals.json) {
      const list = ended.map((job) => `${job.jobId} ${job.stateName}`).join(", ");
      writeLine(runtime.io.stderr, `error: job(s) ended without an archive: ${list} (authorization kept for a retry)`);
    }
    return EXIT.api;
  } finally {
    view?.stop();
    await context.close();
  }
}

/** Adds `export` to `program`. */
export function registerExportCommand(program: Command, runtime: CliRuntime): void {
  program
    .command("export")
    .summary("check → initiate → poll → download → reset, with a progress bar")
    .description(
      "Exports resource groups into --out: CheckAccessType, one job per group (or one with --combined), " +
        "polling with backoff, download of every archive file, and, only when every job is done and " +
        "downloaded, ResetAuthorization (skip it with --no-reset). With --emulator, waits advance the " +
        "emulator's virtual clock.",
    )
    .argument("<resource...>", "resource groups, e.g. myactivity.search chrome.history")
    .requiredOption("--out <dir>", "folder for the archive files (created if missing)")
    .option("--start <time>", "export data from this time (RFC 3339; time-based access only)")
    .option("--end <time>", "export data up to this time (RFC 3339)")
    .option("--combined", "one job for all groups instead of one per group")
    .option("--no-reset", "keep the authorization after the export (reset later yourself)")
    .option("--overwrite", "replace archive files that already exist in --out")
    .option("--retries <n>", "RetryPortabilityArchive calls per FAILED job (0-3)", "0")
    .option("--poll-interval <duration>", "first wait between state polls (grows ×1.5 up to 60 min)", "5m")
    .option("--max-wait <duration>", "give up waiting after this long (the jobs keep running)")
    .action(
      action(runtime, (globals, _command, resources: string[], flags: ExportFlags) =>
        runExportCommand(runtime, globals, resources, flags),
      ),
    );
}
