/**
 * A JSON-friendly snapshot of the emulator's state for tests, demos and the
 * admin route. It never contains a token value.
 */
import { AccessType, PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { CallCounter } from "./call-counter.js";
import type { EmulatorCore } from "./core.js";
import type { Fault, FaultRegistry } from "./faults.js";
import type { Job } from "./jobs.js";
import type { TokenCounts } from "./oauth-store.js";

/** A job as inspection shows it. */
export interface JobView {
  id: string;
  user: string;
  project: string;
  resources: string[];
  /** "ACCESS_TYPE_ONE_TIME" or "ACCESS_TYPE_TIME_BASED". */
  accessType: string;
  /** "IN_PROGRESS", "COMPLETE", "FAILED" or "CANCELLED". */
  state: string;
  createdAt: string;
  finishedAt: string | undefined;
  retryOf: string | undefined;
  retriedAs: string | undefined;
  attempt: number;
  archiveAvailable: boolean;
}

/** A grant (consent) as inspection shows it. */
export interface GrantView {
  id: number;
  user: string;
  project: string;
  resources: string[];
  accessType: "one-time" | "time-based";
  days: number | undefined;
  grantedAt: string;
  expiresAt: string | undefined;
  revoked: boolean;
}

/** The emulator's state, without token values. */
export interface EmulatorSnapshot {
  /** The virtual time, RFC 3339. */
  now: string;
  /** The runtime settings. */
  settings: Record<string, unknown>;
  /** How many resource groups are allowed. */
  resourceGroups: number;
  /** Every consent. */
  grants: GrantView[];
  /** Token counts (never token values). */
  tokens: TokenCounts;
  /** Every job with its settled state. */
  jobs: JobView[];
  /** Per "user|project": exhausted one-time groups and the last time-based export of each group. */
  exports: Record<string, { exhausted: string[]; timeBased: Record<string, string> }>;
  /** Calls per method. */
  calls: Record<string, number>;
  /** Faults in force per method. */
  faults: Record<string, Fault>;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A job's view. */
export function jobView(core: EmulatorCore, job: Job): JobView {
  return {
    id: job.id,
    user: job.user,
    project: job.project,
    resources: [...job.resources],
    accessType: job.accessType === AccessType.TIME_BASED ? "ACCESS_TYPE_TIME_BASED" : "ACCESS_TYPE_ONE_TIME",
    state: State[job.state],
    createdAt: new Date(job.createdAt).toISOString(),
    finishedAt: iso(job.finishedAt),
    retryOf: job.retryOf,
    retriedAs: job.retriedAs,
    attempt: job.attempt,
    archiveAvailable: core.jobs.archiveAvailable(job),
  };
}

/** The settings as JSON (a jobOutcome function shows as "custom"). */
export function settingsView(core: EmulatorCore): Record<string, unknown> {
  const settings = core.settings();
  return { ...settings, jobOutcome: typeof settings.jobOutcome === "function" ? "custom" : settings.jobOutcome };
}

/** Takes a snapshot. */
export function snapshot(core: EmulatorCore, faults: FaultRegistry, calls: CallCounter): EmulatorSnapshot {
  return {
    now: core.clock.now().toISOString(),
    settings: settingsView(core),
    resourceGroups: core.resourceGroups.length,
    grants: core.oauth.grants().map((grant) => ({
      id: grant.id,
      user: grant.user,
      project: grant.project,
      resources: [...grant.resources],
      accessType: grant.accessType,
      days: grant.days,
      grantedAt: new Date(grant.grantedAt).toISOString(),
      expiresAt: iso(grant.expiresAt),
      revoked: grant.revoked,
    })),
    tokens: core.oauth.counts(),
    jobs: core.jobs.list().map((job) => jobView(core, job)),
    exports: core.ledger.summary(),
    calls: calls.all(),
    faults: faults.list(),
  };
}
