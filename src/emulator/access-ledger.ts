/**
 * Per (user, project) bookkeeping of exports: which one-time groups are
 * exhausted (and by which jobs) and when each time-based group was last
 * exported. A reset clears it.
 */

interface PairLedger {
  /** One-time group → ids of the jobs that exhausted it. */
  exhausted: Map<string, string[]>;
  /** Time-based group → virtual ms of its last export and the jobs of that time. */
  lastTimeBased: Map<string, { at: number; jobIds: string[] }>;
}

/** A refusal because groups were exported before. */
export interface PreviousExports {
  /** The groups that block the new export. */
  groups: string[];
  /** The jobs that exported them, unique, oldest first. */
  jobIds: string[];
}

/** A refusal inside the time-based cooldown. */
export interface Cooldown extends PreviousExports {
  /** Virtual ms from which a new export is allowed. */
  allowedAt: number;
}

/** The export ledger. */
export interface AccessLedger {
  /** The one-time groups among `groups` that are exhausted, or undefined. */
  exhausted(user: string, project: string, groups: readonly string[]): PreviousExports | undefined;
  /** The time-based groups among `groups` still in cooldown at `now`, or undefined. */
  cooldown(user: string, project: string, groups: readonly string[], now: number, cooldownMs: number): Cooldown | undefined;
  /** Records an export of one-time and time-based groups by a job. */
  record(user: string, project: string, jobId: string, oneTime: readonly string[], timeBased: readonly string[], now: number): void;
  /** Forgets everything about (user, project). */
  clear(user: string, project: string): void;
  /** Exhausted one-time groups per "user|project", for inspection. */
  summary(): Record<string, { exhausted: string[]; timeBased: Record<string, string> }>;
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/** Creates an empty ledger. */
export function createAccessLedger(): AccessLedger {
  const pairs = new Map<string, PairLedger>();
  const keyOf = (user: string, project: string) => `${user}|${project}`;
  const pair = (user: string, project: string): PairLedger => {
    const key = keyOf(user, project);
    let entry = pairs.get(key);
    if (entry === undefined) {
      entry = { exhausted: new Map(), lastTimeBased: new Map() };
      pairs.set(key, entry);
    }
    return entry;
  };

  return {
    exhausted(user, project, groups) {
      const entry = pairs.get(keyOf(user, project));
      if (entry === undefined) return undefined;
      const hit = groups.filter((group) => entry.exhausted.has(group));
      if (hit.length === 0) return undefined;
      return { groups: hit, jobIds: unique(hit.flatMap((group) => entry.exhausted.get(group) ?? [])) };
    },

    cooldown(user, project, groups, now, cooldownMs) {
      const entry = pairs.get(keyOf(user, project));
      if (entry === undefined) return undefined;
      const hit = groups.filter((group) => {
        const last = entry.lastTimeBased.get(group);
        return last !== undefined && now < last.at + cooldownMs;
      });
      if (hit.length === 0) return undefined;
      const lasts = hit.map((group) => entry.lastTimeBased.get(group)!);
      return {
        groups: hit,
        jobIds: unique(lasts.flatMap((last) => last.jobIds)),
        allowedAt: Math.max(...lasts.map((last) => last.at)) + cooldownMs,
      };
    },

    record(user, project, jobId, oneTime, timeBased, now) {
      const entry = pair(user, project);
      for (const group of oneTime) entry.exhausted.set(group, [...(entry.exhausted.get(group) ?? []), jobId]);
      for (const group of timeBased) entry.lastTimeBased.set(group, { at: now, jobIds: [jobId] });
    },

    clear(user, project) {
      pairs.delete(keyOf(user, project));
    },

    summary() {
      const out: Record<string, { exhausted: string[]; timeBased: Record<string, string> }> = {};
      for (const [key, entry] of pairs) {
        const timeBased: Record<string, string> = {};
        for (const [group, last] of entry.lastTimeBased) timeBased[group] = new Date(last.at).toISOString();
        out[key] = { exhausted: [...entry.exhausted.keys()], timeBased };
      }
      return out;
    },
  };
}
