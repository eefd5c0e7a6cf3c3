/**
 * The session's record of one export job, and its public snapshot.
 *
 * @module
 */

import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  AccessType,
  PortabilityArchiveState_State as State,
} from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { PortabilityArchiveState } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { DownloadedFile } from "./download.js";
import type { GuardedJob } from "./reset-guard.js";
import { redactUrl, urlObjectKey } from "./redact.js";

/** How a session came to track a job. */
export type JobOrigin = "initiated" | "resumed";

/** A snapshot of a job tracked by an export session. */
export interface ExportJob {
  /** The job id to poll: the newest one after retries. */
  readonly jobId: string;
  /** The resource groups of the job. */
  readonly resources: readonly string[];
  /** `initiated` by this session, or `resumed` (ALREADY_EXISTS, or adopted with `track`). */
  readonly origin: JobOrigin;
  /** One-time or time-based, when known (from initiate or CheckAccessType). */
  readonly accessType: AccessType;
  /** The last known state. */
  readonly state: State;
  /** The state's enum name, e.g. `"COMPLETE"`. */
  readonly stateName: string;
  /** The archive URLs of the COMPLETE state, without their query strings. */
  readonly urls: readonly string[];
  /** The files downloaded so far, in URL order. */
  readonly files: readonly DownloadedFile[];
  /** Whether the job is COMPLETE and every archive file was downloaded. */
  readonly downloaded: boolean;
  /** Job ids this job replaced through RetryPortabilityArchive, oldest first. */
  readonly previousJobIds: readonly string[];
  /** `export_time` of the state: the next `startTime` for an incremental export. */
  readonly exportTime: Date | undefined;
  /** `start_time` of the state, when the job had one. */
  readonly startTime: Date | undefined;
}

/** The mutable record behind an {@link ExportJob}. Signed URLs stay in here. */
export interface JobRecord {
  jobId: string;
  readonly resources: readonly string[];
  readonly origin: JobOrigin;
  accessType: AccessType;
  state: State;
  /** The signed URLs, with their signatures. Never put them in messages. */
  urls: string[];
  /** Downloaded files by URL object key (origin + path). */
  readonly files: Map<string, DownloadedFile>;
  readonly previousJobIds: string[];
  retries: number;
  polls: number;
  exportTime: Date | undefined;
  startTime: Date | undefined;
}

/** A new record in state STATE_UNSPECIFIED (not yet polled). */
export function newJobRecord(
  jobId: string,
  resources: readonly string[],
  origin: JobOrigin,
  accessType: AccessType = AccessType.UNSPECIFIED,
): JobRecord {
  return {
    jobId,
    resources: Object.freeze([...resources]),
    origin,
    accessType,
    state: State.STATE_UNSPECIFIED,
    urls: [],
    files: new Map(),
    previousJobIds: [],
    retries: 0,
    polls: 0,
    exportTime: undefined,
    startTime: undefined,
  };
}

/** Copies a GetPortabilityArchiveState answer into the record. */
export function applyState(record: JobRecord, state: PortabilityArchiveState): void {
  record.state = state.state;
  record.urls = state.state === State.COMPLETE ? [...state.urls] : [];
  record.exportTime = state.exportTime ? timestampDate(state.exportTime) : undefined;
  record.startTime = state.startTime ? timestampDate(state.startTime) : undefined;
}

/** Whether the job has not reached COMPLETE, FAILED or CANCELLED. */
export function isRunning(state: State): boolean {
  return state !== State.COMPLETE && state !== State.FAILED && state !== State.CANCELLED;
}

/** The name of a state, e.g. `"IN_PROGRESS"`. */
export function stateName(state: State): string {
  return State[state] ?? `STATE_${state}`;
}

/** How many of the record's current URLs were downloaded. */
function downloadedCount(record: JobRecord): number {
  return record.urls.filter((url) => record.files.has(urlObjectKey(url))).length;
}

/** The record as the reset guard sees it. */
export function guardView(record: JobRecord): GuardedJob {
  return {
    jobId: record.jobId,
    state: record.state,
    fileCount: record.urls.length,
    downloadedCount: downloadedCount(record),
  };
}

/** The public, immutable snapshot of a record. */
export function snapshot(record: JobRecord): ExportJob {
  const files = record.urls.flatMap((url) => {
    const file = record.files.get(urlObjectKey(url));
    return file === undefined ? [] : [file];
  });
  return Object.freeze({
    jobId: record.jobId,
    resources: record.resources,
    origin: record.origin,
    accessType: record.accessType,
    state: record.state,
    stateName: stateName(record.state),
    urls: Object.freeze(record.urls.map((url) => redactUrl(url))),
    files: Object.freeze(files),
    downloaded: record.state === State.COMPLETE && record.urls.length > 0 && files.length === record.urls.length,
    previousJobIds: Object.freeze([...record.previousJobIds]),
    exportTime: record.exportTime,
    startTime: record.startTime,
  });
}
