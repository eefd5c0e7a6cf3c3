/**
 * Options of the emulator and their defaults.
 */
import { RESOURCE_GROUPS } from "../scopes.js";

/** What happens to a job when its virtual duration has passed. */
export type JobOutcome = "complete" | "fail";

/** A short, token-free view of a job, given to a `jobOutcome` function. */
export interface JobOutcomeInput {
  /** The job id. */
  readonly id: string;
  /** The resource groups of the job. */
  readonly resources: readonly string[];
  /** The id of the job this one retries, if it is a retry. */
  readonly retryOf: string | undefined;
  /** How many retries precede this job in its chain (0 for an initiated job). */
  readonly attempt: number;
}

/** A fixed outcome, or a function that picks one per job when the job is created. */
export type JobOutcomeRule = JobOutcome | ((job: JobOutcomeInput) => JobOutcome);

/**
 * The status of a time-based initiate inside the 24 h cooldown: the observed
 * 429 RESOURCE_EXHAUSTED (default) or the documented FAILED_PRECONDITION.
 */
export type TimeBasedCooldownCode = "resource-exhausted" | "failed-precondition";

/** Settings that can change while the emulator runs (`emulator.configure`, `PATCH /emulator/v1/settings`). */
export interface EmulatorSettings {
  /** Virtual milliseconds from initiate (or retry) until a job leaves IN_PROGRESS. Default 5 000. */
  jobDurationMs: number;
  /** Whether jobs complete or fail when their duration has passed. Default "complete". */
  jobOutcome: JobOutcomeRule;
  /** Status of a time-based initiate inside the cooldown. Default "resource-exhausted". */
  timeBasedCooldownCode: TimeBasedCooldownCode;
  /** Whether `POST /token` returns a new refresh token and revokes the old one. Default false. */
  rotateRefreshTokens: boolean;
  /** Lifetime of access tokens in virtual ms. Default 1 h. */
  accessTokenTtlMs: number;
  /** Lifetime of signed download URLs in virtual ms. Default 6 h. */
  urlTtlMs: number;
  /** How long a completed archive is kept, in virtual ms. Default 14 days. */
  archiveRetentionMs: number;
  /** Cooldown between two time-based exports of a group, in virtual ms. Default 24 h. */
  cooldownMs: number;
  /** Retries allowed per initiated job. Default 3. */
  maxRetries: number;
}

/** Options of `startEmulator`. */
export interface EmulatorOptions extends Partial<EmulatorSettings> {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default "127.0.0.1". */
  host?: string;
  /** OAuth client id that `POST /token` accepts. Default "emulator-client-id". */
  clientId?: string;
  /** OAuth client secret that `POST /token` accepts. Default "emulator-client-secret". */
  clientSecret?: string;
  /** Resource groups the emulator knows. Default: `RESOURCE_GROUPS` (the seed's 63 and the newer ones). */
  resourceGroups?: readonly string[];
  /** Start of the virtual clock. Default: the real time at start. */
  startTime?: Date | string | number;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** HMAC key for download URLs. Default: 32 random bytes. */
  signingKey?: string | Uint8Array;
}

/** The defaults of every runtime setting. */
export const DEFAULT_SETTINGS: Readonly<EmulatorSettings> = Object.freeze({
  jobDurationMs: 5_000,
  jobOutcome: "complete",
  timeBasedCooldownCode: "resource-exhausted",
  rotateRefreshTokens: false,
  accessTokenTtlMs: 60 * 60 * 1000,
  urlTtlMs: 6 * 60 * 60 * 1000,
  archiveRetentionMs: 14 * 24 * 60 * 60 * 1000,
  cooldownMs: 24 * 60 * 60 * 1000,
  maxRetries: 3,
});

/** The default largest request body, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Default resource groups: the seed's and the newer ones. */
export const DEFAULT_RESOURCE_GROUPS: readonly string[] = RESOURCE_GROUPS;

const durationKeys = [
  "jobDurationMs",
  "accessTokenTtlMs",
  "urlTtlMs",
  "archiveRetentionMs",
  "cooldownMs",
  "maxRetries",
] as const;

/**
 * Checks a partial settings object (from code or from the admin route) and
 * merges it into `base`.
 *
 * @throws TypeError naming the bad key and value.
 */
export function mergeSettings(
  base: Readonly<EmulatorSettings>,
  patch: Partial<Record<keyof EmulatorSettings, unknown>>,
): EmulatorSettings {
  const next: EmulatorSettings = { ...base };
  for (const key of durationKeys) {
    const value = patch[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`setting ${key} must be a finite number >= 0, got ${JSON.stringify(value)}`);
    }
    next[key] = value;
  }
  const outcome = patch.jobOutcome;
  if (outcome !== undefined) {
    if (outcome !== "complete" && outcome !== "fail" && typeof outcome !== "function") {
      throw new TypeError(`setting jobOutcome must be "complete", "fail" or a function, got ${JSON.stringify(outcome)}`);
    }
    next.jobOutcome = outcome as JobOutcomeRule;
  }
  const cooldownCode = patch.timeBasedCooldownCode;
  if (cooldownCode !== undefined) {
    if (cooldownCode !== "resource-exhausted" && cooldownCode !== "failed-precondition") {
      throw new TypeError(
        `setting timeBasedCooldownCode must be "resource-exhausted" or "failed-precondition", got ${JSON.stringify(cooldownCode)}`,
      );
    }
    next.timeBasedCooldownCode = cooldownCode;
  }
  const rotate = patch.rotateRefreshTokens;
  if (rotate !== undefined) {
    if (typeof rotate !== "boolean") {
      throw new TypeError(`setting rotateRefreshTokens must be a boolean, got ${JSON.stringify(rotate)}`);
    }
    next.rotateRefreshTokens = rotate;
  }
  return next;
}
