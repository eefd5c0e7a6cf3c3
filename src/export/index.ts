/**
 * The export helper: check access → initiate (or resume on ALREADY_EXISTS)
 * → poll with backoff → download the signed archive URLs atomically →
 * ResetAuthorization only after everything is done and downloaded.
 *
 * @module
 */

export { exportArchive } from "./export-archive.js";
export type { ExportArchiveOptions } from "./export-archive.js";
export { createExportSession } from "./session.js";
export type {
  AccessCheck,
  ExportSession,
  ExportSessionOptions,
  ExportWindow,
  WaitOptions,
} from "./session.js";
export type { ExportResult, ExportRunOptions, JobGrouping } from "./run-export.js";
export type { ExportJob, JobOrigin } from "./job-record.js";
export type { ExportEmitter, ExportEventMap, ExportPhase, ExportProgress } from "./progress.js";
export { DEFAULT_POLL_BACKOFF, realSleep } from "./backoff.js";
export type { PollBackoff, SleepFn } from "./backoff.js";
export { downloadArchiveFile } from "./download.js";
export type { DownloadedFile, DownloadOptions } from "./download.js";
export type { SignedGetOptions } from "./signed-get.js";
export { fileNameFromUrl, sanitizeFileName } from "./file-name.js";
export { redactUrl } from "./redact.js";
export { resetBlockers, resetRefusedError } from "./reset-guard.js";
export type { GuardedJob, ResetBlocker } from "./reset-guard.js";
