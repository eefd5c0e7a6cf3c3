/**
 * The export session: it tracks every job it started or resumed and every
 * archive file it downloaded, and guards ResetAuthorization accordingly.
 *
 * @module
 */

import { resolve } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { DataPortabilityClient } from "../client/index.js";
import { dataPortabilityErrorOf, isAlreadyExists } from "../errors/index.js";
import { abortError, nextPollDelay, realSleep, resolvePollBackoff } from "./backoff.js";
import type { PollBackoff, SleepFn } from "./backoff.js";
import { downloadArchiveFile } from "./download.js";
import type { DownloadedFile, DownloadOptions } from "./download.js";
import { claimUniqueName, fileNameFromUrl } from "./file-name.js";
import { applyState, guardView, isRunning, newJobRecord, snapshot, stateName } from "./job-record.js";
import type { ExportJob, JobRecord } from "./job-record.js";
import { createProgress } from "./progress.js";
import type { ExportEmitter, ExportProgress } from "./progress.js";
import { urlObjectKey } from "./redact.js";
import { resetBlockers, resetRefusedError } from "./reset-guard.js";
import type { ResetBlocker } from "./reset-guard.js";
import { runExport } from "./run-export.js";
import type { ExportResult, ExportRunOptions } from "./run-export.js";
import { isRefusedUrlError } from "./signed-get.js";

/** Options of {@link createExportSession}. */
export interface ExportSessionOptions {
  /** Receives every progress event (the session's `events` emitter gets them too). */
  readonly onProgress?: (event: ExportProgress) => void;
  /** Waits between polls; defaults to {@link DEFAULT_POLL_BACKOFF} (5 min ×1.5 up to 60 min). */
  readonly backoff?: Partial<PollBackoff>;
  /** How to wait between polls. Inject one that advances an emulator's virtual clock in tests and demos. */
  readonly sleep?: SleepFn;
  /** Cancels every RPC, wait and download of the session. */
  readonly signal?: AbortSignal;
  /** RetryPortabilityArchive calls per FAILED job before giving up (default 0; Google allows 3). */
  readonly maxRetries?: number;
  /**
   * Stop waiting (Code.DeadlineExceeded) once the waits between polls would
   * add up to more than this many ms. The jobs keep running on the server.
   * Default: no limit.
   */
  readonly maxWaitMs?: number;
  /** Download settings: `overwrite` (default false), `verifyZip`, `maxRedirects`, `idleTimeoutMs`. */
  readonly download?: Pick<DownloadOptions, "overwrite" | "verifyZip" | "maxRedirects" | "idleTimeoutMs">;
}

/** The export window of an initiate call. */
export interface ExportWindow {
  /** Export data from this time on (only for resources that support time filters). */
  readonly startTime?: Date;
  /** Export data up to this time. */
  readonly endTime?: Date;
}

/** What CheckAccessType reported for the token. */
export interface AccessCheck {
  /** Resource groups the token has one-time access to. */
  readonly oneTime: readonly string[];
  /** Resource groups the token has time-based access to. */
  readonly timeBased: readonly string[];
}

/** Options of {@link ExportSession.waitForJobs}. */
export interface WaitOptions {
  /** Called as soon as a job reaches COMPLETE, before the next wait (e.g. to download it while its URLs are fresh). */
  readonly onComplete?: (job: ExportJob) => Promise<void> | void;
}

/**
 * An export session. Every job it starts (or resumes) and every file it
 * downloads is tracked, so that {@link ExportSession.resetAuthorization}
 * can refuse while a job is unfinished or not downloaded.
 */
export interface ExportSession {
  /** Progress events: `progress` carries all of them, each phase name carries its own. */
  readonly events: ExportEmitter;
  /**
   * Calls CheckAccessType and fails with Code.PermissionDenied, naming the
   * groups, when the token lacks any of `resources`. Nothing is initiated.
   */
  checkAccess(resources: readonly string[]): Promise<AccessCheck>;
  /**
   * Initiates a job for `resources`. When an identical job is still running
   * (ALREADY_EXISTS), the session resumes that job, using the `job_id` of
   * the error's ErrorInfo, instead of failing.
   */
  start(resources: readonly string[], window?: ExportWindow): Promise<ExportJob>;
  /** Adopts an existing job (e.g. from an earlier run) so the session polls, downloads and guards it. */
  track(jobId: string, resources?: readonly string[]): ExportJob;
  /** Reads a job's state once (GetPortabilityArchiveState). */
  refresh(jobId: string): Promise<ExportJob>;
  /**
   * Polls the given jobs (default: every running job) with backoff until
   * each is COMPLETE, FAILED or CANCELLED, retrying FAILED jobs up to
   * `maxRetries` times (following the new job id). Resolves with the final
   * snapshots; a FAILED or CANCELLED job also emits a `failed` event.
   */
  waitForJobs(jobIds?: readonly string[], options?: WaitOptions): Promise<ExportJob[]>;
  /**
   * Downloads every archive file of a COMPLETE job into `outDir` (files
   * already downloaded are skipped). When a signed URL is refused (expired),
   * the state is read again once for fresh URLs.
   */
  download(jobId: string, outDir: string): Promise<DownloadedFile[]>;
  /** Cancels a running job (CancelPortabilityArchive) and reads its new state. */
  cancel(jobId: string): Promise<ExportJob>;
  /** The snapshot of a tracked job (by its current or any previous id). */
  job(jobId: string): ExportJob | undefined;
  /** Snapshots of every tracked job, in the order they were tracked. */
  jobs(): ExportJob[];
  /** The jobs that currently keep {@link ExportSession.resetAuthorization} from running. */
  resetBlockers(): ResetBlocker[];
  /**
   * Calls ResetAuthorization, but only when every tracked job is done and
   * downloaded; otherwise fails with Code.FailedPrecondition naming the jobs,
   * without sending anything. `{ force: true }` skips the check.
   */
  resetAuthorization(options?: { readonly force?: boolean }): Promise<void>;
  /** Runs the whole flow (check → initiate/resume → poll → download → optional reset); see {@link exportArchive}. */
  export(options: ExportRunOptions): Promise<ExportResult>;
}

/**
 * Creates an export session over `client`. The session never sees tokens:
 * authentication is the client's business. Signed URLs are kept in memory
 * only; events, snapshots and errors show them without their query string.
 */
export function createExportSession(client: DataPortabilityClient, options: ExportSessionOptions = {}): ExportSession {
  const backoff = resolvePollBackoff(options.backoff);
  const maxRetries = options.maxRetries ?? 0;
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0) {
    throw new ConnectError(`invalid maxRetries ${maxRetries}`, Code.InvalidArgument);
  }
  const sleep = options.sleep ?? realSleep;
  const signal = options.signal;
  const callOptions = signal === undefined ? {} : { signal };
  const { events, emit } = createProgress(options.onProgress);
  const records: JobRecord[] = [];
  const byId = new Map<string, JobRecord>();
  const fileNames = new Map<string, string>(); // URL object key → file name
  const namesInDir = new Map<string, Set<string>>(); // folder → claimed names (lower case)

  function record(jobId: string): JobRecord {
    const found = byId.get(jobId);
    if (found === undefined) {
      throw new ConnectError(`export job ${JSON.stringify(jobId)} is not tracked by this session`, Code.NotFound);
    }
    return found;
  }

  function adopt(rec: JobRecord): JobRecord {
    records.push(rec);
    byId.set(rec.jobId, rec);
    return rec;
  }

  async function poll(rec: JobRecord): Promise<void> {
    const state = await client.getPortabilityArchiveState(
      { name: `archiveJobs/${rec.jobId}/portabilityArchiveState` },
      callOptions,
    );
    rec.polls++;
    applyState(rec, state);
  }

  async function retry(rec: JobRecord): Promise<void> {
    const failedJobId = rec.jobId;
    const res = await client.retryPortabilityArchive({ name: `archiveJobs/${failedJobId}` }, callOptions);
    rec.previousJobIds.push(failedJobId);
    rec.jobId = res.archiveJobId;
    rec.retries++;
    rec.state = State.IN_PROGRESS;
    rec.urls = [];
    byId.set(rec.jobId, rec);
    emit({ phase: "retrying", failedJobId, jobId: rec.jobId, retry: rec.retries });
  }

  /** Polls once; returns whether the job still needs polling. */
  async function step(rec: JobRecord, nextDelay: number, onComplete: WaitOptions["onComplete"]): Promise<boolean> {
    await poll(rec);
    const running = isRunning(rec.state);
    emit({
      phase: "polling",
      jobId: rec.jobId,
      state: rec.state,
      stateName: stateName(rec.state),
      attempt: rec.polls,
      nextPollMs: running ? nextDelay : undefined,
    });
    if (running) return true;
    if (rec.state === State.COMPLETE) {
      await onComplete?.(snapshot(rec));
      return false;
    }
    if (rec.state === State.FAILED && rec.retries < maxRetries) {
      await retry(rec);
      return true;
    }
    emit({ phase: "failed", jobId: rec.jobId, error: jobEndedError(rec) });
    return false;
  }

  async function downloadOne(rec: JobRecord, index: number, dir: string): Promise<void> {
    const url = rec.urls[index] ?? "";
    const key = urlObjectKey(url);
    if (rec.files.has(key)) return;
    let name = fileNames.get(key);
    if (name === undefined) {
      const taken = namesInDir.get(dir) ?? new Set<string>();
      namesInDir.set(dir, taken);
      name = claimUniqueName(fileNameFromUrl(url, `archive-${rec.jobId}-${index + 1}.zip`), taken);
      fileNames.set(key, name);
    }
    const fileName = name;
    const get = (signedUrl: string) =>
      downloadArchiveFile(signedUrl, dir, {
        ...options.download,
        fileName,
        signal,
        onProgress: (bytes, totalBytes) =>
          emit({ phase: "downloading", jobId: rec.jobId, url: key, path: resolve(dir, fileName), bytes, totalBytes }),
      });
    let file: DownloadedFile;
    let fileKey = key;
    try {
      file = await get(url);
    } catch (err) {
      const fresh = isRefusedUrlError(err) ? await freshUrl(rec, key, index) : undefined;
      if (fresh === undefined || fresh === url) throw err;
      file = await get(fresh);
      fileKey = urlObjectKey(fresh);
    }
    rec.files.set(fileKey, file);
    emit({ phase: "downloaded", jobId: rec.jobId, file });
  }

  /** Reads the state again for a re-signed URL of the same object; undefined when that fails. */
  async function freshUrl(rec: JobRecord, key: string, index: number): Promise<string | undefined> {
    try {
      await poll(rec);
    } catch {
      return undefined;
    }
    return rec.urls.find((u) => urlObjectKey(u) === key) ?? rec.urls[index];
  }

  const session: ExportSession = {
    events,

    async checkAccess(resources) {
      const wanted = validResources(resources);
      emit({ phase: "checking", resources: wanted });
      const res = await client.checkAccessType({}, callOptions);
      const granted = new Set([...res.oneTimeResources, ...res.timeBasedResources]);
      const missing = wanted.filter((group) => !granted.has(group));
      if (missing.length > 0) {
        throw new ConnectError(
          `the token has no consent for resource group(s) ${missing.join(", ")}; ` +
            "ask the user to consent to their scopes before exporting (nothing was initiated)",
          Code.PermissionDenied,
        );
      }
      return { oneTime: [...res.oneTimeResources], timeBased: [...res.timeBasedResources] };
    },

    async start(resources, window = {}) {
      const wanted = validResources(resources);
      try {
        const res = await client.initiatePortabilityArchive(
          {
            resources: wanted,
            startTime: window.startTime ? timestampFromDate(window.startTime) : undefined,
            endTime: window.endTime ? timestampFromDate(window.endTime) : undefined,
          },
          callOptions,
        );
        const rec = adopt(newJobRecord(res.archiveJobId, wanted, "initiated", res.accessType));
        emit({ phase: "initiated", jobId: rec.jobId, resources: rec.resources, accessType: rec.accessType });
        return snapshot(rec);
      } catch (err) {
        const known = dataPortabilityErrorOf(err);
        const runningId = isAlreadyExists(known) ? known.jobId : undefined;
        if (runningId === undefined) throw err;
        return session.track(runningId, wanted);
      }
    },

    track(jobId, resources = []) {
      if (jobId === "" || jobId.includes("/")) {
        throw new ConnectError(`invalid archive job id ${JSON.stringify(jobId)}`, Code.InvalidArgument);
      }
      const known = byId.get(jobId);
      if (known !== undefined) return snapshot(known);
      const rec = adopt(newJobRecord(jobId, resources, "resumed"));
      emit({ phase: "resumed", jobId, resources: rec.resources });
      return snapshot(rec);
    },

    async refresh(jobId) {
      const rec = record(jobId);
      await poll(rec);
      return snapshot(rec);
    },

    async waitForJobs(jobIds, waitOptions = {}) {
      const chosen = jobIds === undefined ? records.filter((r) => isRunning(r.state)) : jobIds.map(record);
      let pending = [...new Set(chosen)];
      let delay = backoff.initialMs;
      let waited = 0;
      while (pending.length > 0) {
        const still: JobRecord[] = [];
        for (const rec of pending) {
          if (await step(rec, delay, waitOptions.onComplete)) still.push(rec);
        }
        pending = still;
        if (pending.length === 0) break;
        if (options.maxWaitMs !== undefined && waited + delay > options.maxWaitMs) {
          throw stillRunningError(pending, `gave up after waiting ${waited} ms (maxWaitMs ${options.maxWaitMs})`, Code.DeadlineExceeded);
        }
        try {
          await sleep(delay, signal);
        } catch (err) {
          if (!signal?.aborted) throw err;
        }
        if (signal?.aborted) {
          const aborted = abortError(signal);
          throw stillRunningError(pending, aborted.message, aborted.code, signal.reason);
        }
        waited += delay;
        delay = nextPollDelay(backoff, delay);
      }
      return chosen.map(snapshot);
    },

    async download(jobId, outDir) {
      const rec = record(jobId);
      if (rec.state !== State.COMPLETE) {
        throw new ConnectError(
          `export job ${rec.jobId} is ${stateName(rec.state)}, not COMPLETE: nothing to download yet`,
          Code.FailedPrecondition,
        );
      }
      const dir = resolve(outDir);
      for (let index = 0; index < rec.urls.length; index++) await downloadOne(rec, index, dir);
      return [...snapshot(rec).files];
    },

    async cancel(jobId) {
      const rec = record(jobId);
      await client.cancelPortabilityArchive({ name: `archiveJobs/${rec.jobId}` }, callOptions);
      await poll(rec);
      return snapshot(rec);
    },

    job: (jobId) => {
      const rec = byId.get(jobId);
      return rec === undefined ? undefined : snapshot(rec);
    },

    jobs: () => records.map(snapshot),

    resetBlockers: () => resetBlockers(records.map(guardView)),

    async resetAuthorization(resetOptions = {}) {
      const force = resetOptions.force === true;
      const blockers = session.resetBlockers();
      if (blockers.length > 0 && !force) throw resetRefusedError(blockers);
      await client.resetAuthorization({}, callOptions);
      emit({ phase: "reset", forced: force && blockers.length > 0 });
    },

    export: (runOptions) => runExport(session, runOptions, emit),
  };
  return session;
}

/** The error of a job that ended FAILED or CANCELLED. */
function jobEndedError(rec: JobRecord): ConnectError {
  if (rec.state === State.CANCELLED) {
    return new ConnectError(`export job ${rec.jobId} was CANCELLED`, Code.Canceled);
  }
  const retried = rec.retries > 0 ? ` after ${rec.retries} retr${rec.retries === 1 ? "y" : "ies"}` : "";
  return new ConnectError(
    `export job ${rec.jobId} FAILED${retried}; RetryPortabilityArchive can restart it (up to 3 times)`,
    Code.Internal,
  );
}

function stillRunningError(pending: readonly JobRecord[], why: string, code: Code, cause?: unknown): ConnectError {
  const ids = pending.map((r) => r.jobId).join(", ");
  return new ConnectError(
    `${why} while job(s) ${ids} were still running; they keep running on the server: ` +
      "resume them later with session.track(jobId), or by starting the same export again (ALREADY_EXISTS resumes it)",
    code,
    undefined,
    undefined,
    cause,
  );
}

/** Checks and de-duplicates a resource list. */
function validResources(resources: readonly string[]): string[] {
  if (!Array.isArray(resources) || resources.length === 0) {
    throw new ConnectError("resources must list at least one resource group", Code.InvalidArgument);
  }
  for (const group of resources) {
    if (typeof group !== "string" || group === "") {
      throw new ConnectError(`invalid resource group ${JSON.stringify(group)}`, Code.InvalidArgument);
    }
  }
  return [...new Set(resources)];
}
