/**
 * The whole export flow on a session: check access → initiate (or resume)
 * → poll → download → optional reset at the very end.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import type { ExportJob } from "./job-record.js";
import type { ProgressSink } from "./progress.js";
import type { ExportSession, ExportWindow } from "./session.js";

/** How resource groups are split into jobs. */
export type JobGrouping = "per-group" | "combined";

/** What to export, where, and whether to reset afterwards. */
export interface ExportRunOptions extends ExportWindow {
  /** The resource groups to export, e.g. `["myactivity.search", "chrome.history"]`. */
  readonly resources: readonly string[];
  /** The folder the archive files go to (created if missing). */
  readonly outDir: string;
  /**
   * Call ResetAuthorization at the end (default false). It runs only when
   * every job of this export ended COMPLETE and every archive file was
   * downloaded; otherwise the result says `reset: false` and the consent is
   * kept, so a failed job can still be retried. The session's guard still
   * applies: unfinished jobs from earlier calls on the same session make the
   * reset fail with Code.FailedPrecondition. A reset revokes the user's
   * tokens: ask for it only when this export is the last use of the consent.
   */
  readonly resetAfter?: boolean;
  /**
   * `per-group` (default, as Google recommends): one job per resource group.
   * `combined`: one job for all groups (one initiate; slower on Google's side).
   */
  readonly grouping?: JobGrouping;
  /** Check the token's access with CheckAccessType before initiating anything (default true). */
  readonly checkAccess?: boolean;
}

/** The outcome of an export. */
export interface ExportResult {
  /** One entry per job, in initiate order, with its final state and files. */
  readonly jobs: readonly ExportJob[];
  /** Whether ResetAuthorization was called. */
  readonly reset: boolean;
}

/**
 * Runs the export flow on `session`. Jobs are initiated one after another
 * (an ALREADY_EXISTS answer resumes the running job); then all of them are
 * polled together with the session's backoff and each is downloaded as soon
 * as it is COMPLETE. A job that ends FAILED (after the allowed retries) or
 * CANCELLED is reported in the result with its state and no files, and a
 * `failed` event. RPC, download, timeout and abort errors are thrown (after
 * a `failed` event); the session still tracks what was started, so its reset
 * guard keeps protecting the unfinished jobs.
 */
export async function runExport(
  session: ExportSession,
  options: ExportRunOptions,
  emit: ProgressSink,
): Promise<ExportResult> {
  try {
    const grouping = options.grouping ?? "per-group";
    if (grouping !== "per-group" && grouping !== "combined") {
      throw new ConnectError(`invalid grouping ${JSON.stringify(grouping)}`, Code.InvalidArgument);
    }
    if (typeof options.outDir !== "string" || options.outDir === "") {
      throw new ConnectError("outDir must name a folder", Code.InvalidArgument);
    }
    if (options.checkAccess !== false) await session.checkAccess(options.resources);
    const groups = grouping === "combined" ? [options.resources] : options.resources.map((group) => [group]);
    const window: ExportWindow = { startTime: options.startTime, endTime: options.endTime };
    const jobIds: string[] = [];
    for (const group of groups) jobIds.push((await session.start(group, window)).jobId);
    const jobs = await session.waitForJobs([...new Set(jobIds)], {
      onComplete: async (job) => {
        await session.download(job.jobId, options.outDir);
      },
    });
    const reset = options.resetAfter === true && jobs.every((job) => job.downloaded);
    if (reset) await session.resetAuthorization();
    emit({ phase: "done", jobIds: jobs.map((job) => job.jobId), reset });
    return { jobs, reset };
  } catch (err) {
    const error = ConnectError.from(err);
    emit({ phase: "failed", jobId: undefined, error });
    throw error;
  }
}
