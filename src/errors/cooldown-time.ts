/**
 * Reads the time a time-based cooldown lifts.
 *
 * @module
 */

/** RFC 3339 date-time, e.g. `2025-05-01T12:34:56Z` or `...56.123+02:00`. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const AFTER_RFC3339 =
  /\bafter\s+(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2}))/;

/**
 * Parses an RFC 3339 timestamp into a Date; undefined when `value` is not
 * one (plain `Date.parse` would accept many other shapes).
 */
export function parseRfc3339(value: string | undefined): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const trimmed = value.trim();
  if (!RFC3339.test(trimmed)) {
    return undefined;
  }
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * Finds "after <RFC3339>" in an error message, as the API writes it in the
 * time-based cooldown error ("… can be initiated after 2025-05-01T12:34:56Z").
 */
export function parseAfterTimestamp(message: string): Date | undefined {
  const match = AFTER_RFC3339.exec(message);
  return match ? parseRfc3339(match[1]) : undefined;
}
