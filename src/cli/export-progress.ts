/**
 * What `export` shows while it runs: a cli-progress bar on a terminal, one
 * line per event otherwise, nothing with `--json`.
 *
 * @module
 */

import type { SingleBar } from "cli-progress";
import type { ExportProgress } from "../export/index.js";
import { writeLine, type CliStream } from "./io.js";
import { formatDuration } from "./output.js";
import { redactSecrets } from "./redact.js";

/** Receives the export's progress events; `stop` ends the display. */
export interface ExportProgressView {
  onEvent(event: ExportProgress): void;
  stop(): void;
}

/** One line describing an event (URLs never carry their query string). */
export function describeEvent(event: ExportProgress): string {
  switch (event.phase) {
    case "checking":
      return `checking access to ${event.resources.join(", ")}`;
    case "initiated":
      return `initiated job ${event.jobId} for ${event.resources.join(", ")}`;
    case "resumed":
      return `resumed running job ${event.jobId} for ${event.resources.join(", ") || "its resources"}`;
    case "polling":
      return event.nextPollMs === undefined
        ? `job ${event.jobId}: ${event.stateName}`
        : `job ${event.jobId}: ${event.stateName}, next poll in ${formatDuration(event.nextPollMs)}`;
    case "retrying":
      return `job ${event.failedJobId} FAILED: retry ${event.retry} is job ${event.jobId}`;
    case "downloading":
      return `downloading ${event.url}${event.totalBytes === undefined ? "" : ` (${event.totalBytes} bytes)`}`;
    case "downloaded":
      return `downloaded ${event.file.path} (${event.file.bytes} bytes)`;
    case "failed":
      return `failed${event.jobId === undefined ? "" : ` job ${event.jobId}`}: ${event.error.rawMessage.replace(/^\[[a-z_]+\]\s*/, "")}`;
    case "reset":
      return "authorization reset: every job done and downloaded";
    case "done":
      return `done: ${event.jobIds.length} job(s)${event.reset ? ", authorization reset" : ""}`;
  }
}

/** Prints each event as a line (downloading events only once per file, not per chunk). */
export function createLineProgress(stream: CliStream, secrets: Iterable<string>): ExportProgressView {
  const started = new Set<string>();
  return {
    onEvent(event) {
      if (event.phase === "downloading") {
        if (started.has(event.path)) return;
        started.add(event.path);
      }
      writeLine(stream, redactSecrets(describeEvent(event), secrets));
    },
    stop() {},
  };
}

/**
 * A cli-progress bar: jobs finished (downloaded, failed or cancelled) out of
 * jobs started, with the latest event as its status text.
 */
export async function createBarProgress(stream: NodeJS.WritableStream, secrets: Iterable<string>): Promise<ExportProgressView> {
  const { SingleBar, Presets } = await import("cli-progress");
  const bar: SingleBar = new SingleBar(
    {
      stream,
      format: "export |{bar}| {value}/{total} jobs | {status}",
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    Presets.shades_classic,
  );
  const jobs = new Set<string>();
  const finished = new Set<string>();
  let running = false;
  const show = (status: string) => {
    const payload = { status: redactSecrets(status, secrets) };
    if (!running) {
      bar.start(Math.max(jobs.size, 1), finished.size, payload);
      running = true;
    } else {
      bar.setTotal(Math.max(jobs.size, 1));
      bar.update(finished.size, payload);
    }
  };
  return {
    onEvent(event) {
      if (event.phase === "initiated" || event.phase === "resumed") jobs.add(event.jobId);
      if (event.phase === "retrying") {
        jobs.delete(event.failedJobId);
        jobs.add(event.jobId);
      }
      if (event.phase === "downloaded") finished.add(event.jobId);
      if (event.phase === "polling" && (event.stateName === "FAILED" || event.stateName === "CANCELLED")) finished.add(event.jobId);
      show(describeEvent(event));
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
