/**
 * Export jobs and their lifecycle on the virtual clock:
 * IN_PROGRESS → COMPLETE | FAILED (when the job's duration has passed, or
 * when forced), IN_PROGRESS → CANCELLED, FAILED → retried as a new job.
 * State is settled lazily whenever a job is read.
 */
import { randomBytes } from "node:crypto";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { AccessType, PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { VirtualClock } from "./clock.js";
import type { EmulatorSettings, JobOutcome } from "./options.js";

/** An export job. */
export interface Job {
  /** Bare job id (decimal digits). */
  readonly id: string;
  readonly user: string;
  readonly project: string;
  /** Resource groups, sorted and unique. */
  readonly resources: readonly string[];
  readonly accessType: AccessType;
  /** Requested start of the export window. */
  readonly startTime: Timestamp | undefined;
  /** Requested end of the export window. */
  readonly endTime: Timestamp | undefined;
  /** Virtual time of the initiate (or retry) call, in ms. */
  readonly createdAt: number;
  /** The id of the job this one retries. */
  readonly retryOf: string | undefined;
  /** The initiated job at the head of this job's retry chain (its own id for initiated jobs). */
  readonly rootId: string;
  /** 0 for an initiated job, n for the n-th retry. */
  readonly attempt: number;
  /** When an IN_PROGRESS job finishes by itself (virtual ms). */
  readonly dueAt: number;
  /** How it finishes by itself. */
  readonly outcome: JobOutcome;
  state: State;
  /** Virtual ms when the job left IN_PROGRESS. */
  finishedAt: number | undefined;
  /** The id of the job that retried this one. */
  retriedAs: string | undefined;
  /** Set by a reset: the archive is marked for garbage collection and no longer served. */
  collected: boolean;
}

/** What a new job needs. */
export interface NewJob {
  user: string;
  project: string;
  resources: readonly string[];
  accessType: AccessType;
  startTime: Timestamp | undefined;
  endTime: Timestamp | undefined;
  /** The FAILED job this one retries. */
  retryOf?: Job;
}

/** The job table. */
export interface JobStore {
  /** Creates an IN_PROGRESS job; its outcome is chosen now from the `jobOutcome` setting. */
  create(init: NewJob): Job;
  /** A job by id, with its state settled against the clock. */
  get(id: string): Job | undefined;
  /** Every job, oldest first, settled. */
  list(): readonly Job[];
  /**
   * Finishes an IN_PROGRESS job now, as COMPLETE or FAILED.
   *
   * @throws Error when the job is unknown or not IN_PROGRESS.
   */
  finish(id: string, outcome: JobOutcome): Job;
  /** Moves an IN_PROGRESS job to CANCELLED. */
  cancel(job: Job): void;
  /** An IN_PROGRESS job of (user, project) with the same resources and window. */
  findIdentical(init: NewJob): Job | undefined;
  /** Marks every archive of (user, project) for garbage collection. */
  collect(user: string, project: string): void;
  /** Whether the archive of a job can be downloaded now. */
  archiveAvailable(job: Job): boolean;
}

/** Dependencies of the job store. */
export interface JobStoreOptions {
  clock: VirtualClock;
  settings: () => Readonly<EmulatorSettings>;
}

function sameTimestamp(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.seconds === b.seconds && a.nanos === b.nanos;
}

function newJobId(): string {
  // Decimal digits, like the numeric ids of Google's APIs; URL-safe, no "/".
  return randomBytes(8).readBigUInt64BE().toString(10);
}

/** Creates an empty job table. */
export function createJobStore(options: JobStoreOptions): JobStore {
  const { clock, settings } = options;
  const jobs = new Map<string, Job>();

  function settle(job: Job): Job {
    if (job.state === State.IN_PROGRESS && clock.nowMs() >= job.dueAt) {
      job.state = job.outcome === "fail" ? State.FAILED : State.COMPLETE;
      job.finishedAt = job.dueAt;
    }
    return job;
  }

  return {
    create(init) {
      const now = clock.nowMs();
      const current = settings();
      let id = newJobId();
      while (jobs.has(id)) id = newJobId();
      const resources = [...new Set(init.resources)].sort();
      const attempt = init.retryOf === undefined ? 0 : init.retryOf.attempt + 1;
      const rule = current.jobOutcome;
      const outcome =
        typeof rule === "function" ? rule({ id, resources, retryOf: init.retryOf?.id, attempt }) : rule;
      const job: Job = {
        id,
        user: init.user,
        project: init.project,
        resources,
        accessType: init.accessType,
        startTime: init.startTime,
        endTime: init.endTime,
        createdAt: now,
        retryOf: init.retryOf?.id,
        rootId: init.retryOf?.rootId ?? id,
        attempt,
        dueAt: now + current.jobDurationMs,
        outcome: outcome === "fail" ? "fail" : "complete",
        state: State.IN_PROGRESS,
        finishedAt: undefined,
        retriedAs: undefined,
        collected: false,
      };
      if (init.retryOf !== undefined) init.retryOf.retriedAs = id;
      jobs.set(id, job);
      return settle(job);
    },

    get(id) {
      const job = jobs.get(id);
      return job === undefined ? undefined : settle(job);
    },

    list: () => [...jobs.values()].map(settle),

    finish(id, outcome) {
      const job = jobs.get(id);
      if (job === undefined) throw new Error(`unknown archive job ${JSON.stringify(id)}`);
      settle(job);
      if (job.state !== State.IN_PROGRESS) {
        throw new Error(`archive job ${id} is ${State[job.state]}, not IN_PROGRESS`);
      }
      job.state = outcome === "fail" ? State.FAILED : State.COMPLETE;
      job.finishedAt = clock.nowMs();
      return job;
    },

    cancel(job) {
      job.state = State.CANCELLED;
      job.finishedAt = clock.nowMs();
    },

    findIdentical(init) {
      const resources = [...new Set(init.resources)].sort().join("\n");
      for (const job of jobs.values()) {
        settle(job);
        if (
          job.state === State.IN_PROGRESS &&
          // A job from before a reset belongs to the revoked authorization:
          // a new consent starts afresh instead of resuming it.
          !job.collected &&
          job.user === init.user &&
          job.project === init.project &&
          job.resources.join("\n") === resources &&
          sameTimestamp(job.startTime, init.startTime) &&
          sameTimestamp(job.endTime, init.endTime)
        ) {
          return job;
        }
      }
      return undefined;
    },

    collect(user, project) {
      for (const job of jobs.values()) {
        if (job.user === user && job.project === project) job.collected = true;
      }
    },

    archiveAvailable(job) {
      settle(job);
      return (
        job.state === State.COMPLETE &&
        !job.collected &&
        job.finishedAt !== undefined &&
        clock.nowMs() < job.finishedAt + settings().archiveRetentionMs
      );
    },
  };
}
