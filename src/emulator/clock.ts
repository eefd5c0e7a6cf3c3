/**
 * The emulator's virtual clock. Token lifetimes, job durations, URL expiry,
 * archive retention and cooldowns all read this clock, so tests and demos
 * move time forward instead of sleeping.
 */

/** A settable clock in milliseconds since the Unix epoch. */
export interface VirtualClock {
  /** The current virtual time. */
  now(): Date;
  /** The current virtual time in milliseconds since the epoch. */
  nowMs(): number;
  /**
   * Moves the clock forward by `ms` milliseconds and returns the new time.
   *
   * @throws RangeError for a negative or non-finite amount.
   */
  advance(ms: number): Date;
  /**
   * Sets the clock to `date` (a Date, an RFC 3339 string or epoch ms) and
   * returns the new time. Moving backwards is allowed.
   *
   * @throws RangeError for an invalid date.
   */
  set(date: Date | string | number): Date;
}

/** Creates a virtual clock that starts at `start` (default: the real time now) and only moves when told. */
export function createVirtualClock(start: Date | string | number = Date.now()): VirtualClock {
  let current = toEpochMs(start);
  return {
    now: () => new Date(current),
    nowMs: () => current,
    advance(ms) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`clock.advance needs a finite number of milliseconds >= 0, got ${String(ms)}`);
      }
      current += ms;
      return new Date(current);
    },
    set(date) {
      current = toEpochMs(date);
      return new Date(current);
    },
  };
}

function toEpochMs(date: Date | string | number): number {
  const ms = date instanceof Date ? date.getTime() : typeof date === "string" ? Date.parse(date) : date;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new RangeError(`invalid clock time ${JSON.stringify(String(date))}`);
  }
  return ms;
}
