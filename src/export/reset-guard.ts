/**
 * The rule of `authorization.reset`: it revokes the user's tokens, resets
 * the exhausted scopes and lets Google delete earlier archives, so it
 * belongs after ALL jobs are done and ALL archives downloaded, never merely
 * before a new job. This module decides which tracked jobs still block it.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";
import { PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";

/** What the guard needs to know about a tracked job. */
export interface GuardedJob {
  readonly jobId: string;
  readonly state: State;
  /** How many archive files the job's COMPLETE state listed. */
  readonly fileCount: number;
  /** How many of them were downloaded by the session. */
  readonly downloadedCount: number;
}

/** A job that keeps ResetAuthorization from running, and why. */
export interface ResetBlocker {
  /** The job id (the newest one, after retries). */
  readonly jobId: string;
  /** Its last known state. */
  readonly state: State;
  /** `unfinished`: not yet in a final state; `undownloaded`: COMPLETE but files are missing. */
  readonly reason: "unfinished" | "undownloaded";
  /**
   * Files of a COMPLETE job that were not downloaded (0 for unfinished jobs,
   * and for a COMPLETE job that listed no archive URL at all).
   */
  readonly missingFiles: number;
}

/**
 * The jobs that block a reset: every job not yet COMPLETE, FAILED or
 * CANCELLED (IN_PROGRESS, or never polled), and every COMPLETE job with an
 * archive file the session has not downloaded. A COMPLETE job that listed no
 * archive URL (its archive expired, or the state came back without URLs)
 * blocks too: nothing of it was downloaded, and a reset would let Google
 * delete it. FAILED and CANCELLED jobs have nothing to download and do not
 * block.
 */
export function resetBlockers(jobs: Iterable<GuardedJob>): ResetBlocker[] {
  const blockers: ResetBlocker[] = [];
  for (const job of jobs) {
    if (job.state === State.FAILED || job.state === State.CANCELLED) continue;
    if (job.state !== State.COMPLETE) {
      blockers.push({ jobId: job.jobId, state: job.state, reason: "unfinished", missingFiles: 0 });
    } else if (job.fileCount === 0 || job.downloadedCount < job.fileCount) {
      const missingFiles = job.fileCount - job.downloadedCount;
      blockers.push({ jobId: job.jobId, state: job.state, reason: "undownloaded", missingFiles });
    }
  }
  return blockers;
}

/**
 * The Code.FailedPrecondition error of a refused reset: it names each
 * blocking job and states the rule.
 */
export function resetRefusedError(blockers: readonly ResetBlocker[]): ConnectError {
  const list = blockers
    .map((b) =>
      b.reason === "unfinished"
        ? `${b.jobId} (${State[b.state] ?? b.state}, unfinished)`
        : b.missingFiles === 0
          ? `${b.jobId} (COMPLETE, but it listed no archive URL, so nothing was downloaded)`
          : `${b.jobId} (COMPLETE, ${b.missingFiles} archive file(s) not downloaded)`,
    )
    .join(", ");
  return new ConnectError(
    `refusing ResetAuthorization: job(s) ${list} are not done and downloaded. ` +
      "authorization.reset revokes the user's tokens, resets exhausted scopes and lets earlier archives be " +
      "deleted, so it must run only after all jobs are done and all archives are downloaded, never merely " +
      "before a new job. Finish and download these jobs first, or pass { force: true }.",
    Code.FailedPrecondition,
  );
}
