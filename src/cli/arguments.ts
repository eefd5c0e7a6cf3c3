/**
 * Parsing and checking of argument and flag values. Every failure is a
 * usage error (exit code 2) naming the argument and the value.
 *
 * @module
 */

import { resourceNameProblem } from "../client/resource-name-guard.js";
import { resourceForScope } from "../scopes.js";
import { usageError } from "./exit-codes.js";

const JOB_NAME = /^archiveJobs\/([^/]+)(?:\/portabilityArchiveState)?$/;

/**
 * The job id of a `<job>` argument: a bare id (`123`), `archiveJobs/123`,
 * or `archiveJobs/123/portabilityArchiveState`.
 */
export function parseJobId(arg: string): string {
  const text = arg.trim();
  const id = JOB_NAME.exec(text)?.[1] ?? text;
  const problem = id === "" || id.includes("/") ? undefined : resourceNameProblem(id);
  if (id === "" || !/^[\x21-\x7e]+$/.test(id) || id.includes("/") || problem !== undefined) {
    const why = problem === undefined ? "" : ` (it contains ${problem})`;
    throw usageError(
      `invalid job ${JSON.stringify(arg)}${why}: give a job id (e.g. 123) or archiveJobs/<id>`,
    );
  }
  return id;
}

/** `archiveJobs/<id>`: the name RetryPortabilityArchive and CancelPortabilityArchive take. */
export function jobName(arg: string): string {
  return `archiveJobs/${parseJobId(arg)}`;
}

/** `archiveJobs/<id>/portabilityArchiveState`: the name GetPortabilityArchiveState takes. */
export function stateName(arg: string): string {
  return `archiveJobs/${parseJobId(arg)}/portabilityArchiveState`;
}

/**
 * Resource groups from `<resource...>` arguments: group names
 * (`myactivity.search`) or their scope URLs, de-duplicated in order.
 */
export function parseResources(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    for (const piece of arg.split(",")) {
      const text = piece.trim();
      if (text === "") continue;
      const group = text.startsWith("https://") ? resourceForScope(text) : text;
      if (group === undefined || !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(group)) {
        throw usageError(
          `invalid resource group ${JSON.stringify(text)}: use a name like myactivity.search or its scope URL`,
        );
      }
      if (!out.includes(group)) out.push(group);
    }
  }
  if (out.length === 0) throw usageError("name at least one resource group, e.g. myactivity.search");
  return out;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?$/;

/** A `--start` / `--end` value: an RFC 3339 time or a date (`2024-01-31`, read as UTC midnight). */
export function parseTime(flag: string, value: string): Date {
  const text = value.trim();
  const ms = RFC3339.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) : NaN;
  if (!Number.isFinite(ms)) {
    throw usageError(`${flag} ${JSON.stringify(value)} is not a time: use RFC 3339, e.g. 2024-01-31T00:00:00Z`);
  }
  return new Date(ms);
}

/** Checks that `start` is before `end` when both are given. */
export function checkWindow(start: Date | undefined, end: Date | undefined): void {
  if (start !== undefined && end !== undefined && start.getTime() >= end.getTime()) {
    throw usageError(`--start ${start.toISOString()} must be before --end ${end.toISOString()}`);
  }
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration flag: `500ms`, `30s`, `5m`, `1h`; a bare number is seconds. Must be > 0. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? "s"] ?? 1000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw usageError(`${flag} ${JSON.stringify(value)} is not a duration: use e.g. 30s, 500ms, 5m (a bare number is seconds)`);
  }
  return ms;
}

/** A whole-number flag within `[min, max]`. */
export function parseInteger(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${flag} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
  }
  return n;
}
