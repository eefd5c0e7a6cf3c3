/**
 * Progress events of an export, delivered to a callback and to an
 * EventEmitter.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import type { ConnectError } from "@connectrpc/connect";
import type { AccessType, PortabilityArchiveState_State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { DownloadedFile } from "./download.js";

/**
 * One step of an export. In order, per job: `checking` (once per export) →
 * `initiated` or `resumed` → `polling` (once per state read) → `retrying`
 * (after FAILED, when retries are allowed) → `downloading` (repeatedly, per
 * file) → `downloaded` (per file); `failed` when the job ended FAILED or
 * CANCELLED or the export stopped with an error; `reset` after a
 * successful ResetAuthorization; `done` once at the end of an export.
 * URLs in events never carry their query string.
 */
export type ExportProgress =
  | { readonly phase: "checking"; readonly resources: readonly string[] }
  | {
      readonly phase: "initiated";
      readonly jobId: string;
      readonly resources: readonly string[];
      readonly accessType: AccessType;
    }
  | { readonly phase: "resumed"; readonly jobId: string; readonly resources: readonly string[] }
  | {
      readonly phase: "polling";
      readonly jobId: string;
      readonly state: PortabilityArchiveState_State;
      /** The state's enum name, e.g. `"IN_PROGRESS"`. */
      readonly stateName: string;
      /** How many times this job's state has been read, starting at 1. */
      readonly attempt: number;
      /** The wait before the next poll, when the job is still running. */
      readonly nextPollMs: number | undefined;
    }
  | { readonly phase: "retrying"; readonly failedJobId: string; readonly jobId: string; readonly retry: number }
  | {
      readonly phase: "downloading";
      readonly jobId: string;
      readonly url: string;
      readonly path: string;
      readonly bytes: number;
      readonly totalBytes: number | undefined;
    }
  | { readonly phase: "downloaded"; readonly jobId: string; readonly file: DownloadedFile }
  | { readonly phase: "failed"; readonly jobId: string | undefined; readonly error: ConnectError }
  | { readonly phase: "reset"; readonly forced: boolean }
  | { readonly phase: "done"; readonly jobIds: readonly string[]; readonly reset: boolean };

/** The phase names of {@link ExportProgress}. */
export type ExportPhase = ExportProgress["phase"];

/**
 * The events of an export session's emitter: `progress` carries every
 * event, and each phase name carries the events of that phase.
 */
export type ExportEventMap = {
  [K in ExportPhase | "progress"]: K extends ExportPhase ? [Extract<ExportProgress, { phase: K }>] : [ExportProgress];
};

/** A typed emitter of {@link ExportEventMap}. */
export type ExportEmitter = EventEmitter<ExportEventMap>;

/** A function that publishes an event to the callback and the emitter. */
export type ProgressSink = (event: ExportProgress) => void;

/**
 * Creates the emitter and the sink feeding both it and `onProgress`.
 * Listener errors propagate to the export step that emitted the event.
 */
export function createProgress(onProgress: ((event: ExportProgress) => void) | undefined): {
  events: ExportEmitter;
  emit: ProgressSink;
} {
  const events: ExportEmitter = new EventEmitter<ExportEventMap>();
  const emit: ProgressSink = (event) => {
    onProgress?.(event);
    events.emit("progress", event);
    // The phase-specific channel; the cast is sound since event.phase selects the tuple.
    (events as EventEmitter<Record<string, [ExportProgress]>>).emit(event.phase, event);
  };
  return { events, emit };
}
