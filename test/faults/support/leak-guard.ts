/**
 * Leak checks for client tests: unhandled rejections, listener-leak
 * warnings, ref'd sockets and timers, and open socket descriptors (which
 * also counts unref'd keep-alive sockets). Every wait is bounded.
 *
 * Two views of "left behind":
 * - socket counts from `process.getActiveResourcesInfo()` before and after
 *   (`TCPSocketWrap`, `TCPServerWrap`): nothing else in a test worker opens
 *   TCP sockets, so the counts are exact;
 * - timers created while the body ran (async_hooks `init`) that are neither
 *   destroyed nor unref'd afterwards. Plain `Timeout` counts are
 *   not usable: vitest's own timers come and go during a test.
 */
import { createHook } from "node:async_hooks";
import { readdirSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";

/** Counts of active resources by type. */
export type ResourceCounts = Record<string, number>;

/** The active resources of the process, counted by type (`TCPSocketWrap`, `Timeout`, …). */
export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** The types whose count in `now` exceeds `baseline`, with both counts. */
export function resourceExcess(baseline: ResourceCounts, now: ResourceCounts): Record<string, string> {
  const excess: Record<string, string> = {};
  for (const [type, count] of Object.entries(now)) {
    const before = baseline[type] ?? 0;
    if (count > before) excess[type] = `${before} → ${count}`;
  }
  return excess;
}

/**
 * Open socket descriptors of this process (`/proc/self/fd` links to
 * `socket:[…]`), ref'd or not; undefined where /proc is not available.
 */
export function openSocketCount(): number | undefined {
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    return undefined;
  }
  let sockets = 0;
  for (const name of names) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`).startsWith("socket:")) sockets++;
    } catch {
      // closed meanwhile
    }
  }
  return sockets;
}

/** Socket types of `getActiveResourcesInfo()` compared before and after. */
const SOCKET_TYPES = ["TCPSocketWrap", "TCPServerWrap"];

/**
 * async_hooks resource types whose instances must be gone (or unref'd) after
 * the body. Sockets are covered by the exact socket counts instead (a closed
 * TCP handle reports its destroy only when garbage-collected).
 */
const TRACKED_TYPES = new Set(["Timeout", "Immediate"]);

interface Tracked {
  type: string;
  resource: object;
}

/**
 * Starts recording timers as they are created; `alive()` counts,
 * by type, the ones not destroyed since and still keeping the process alive.
 */
function trackCreated(): { alive(): ResourceCounts; stop(): void } {
  const live = new Map<number, Tracked>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (TRACKED_TYPES.has(type)) live.set(id, { type, resource: resource as object });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    alive() {
      const counts: ResourceCounts = {};
      for (const { type, resource } of live.values()) {
        if (ownTimers.has(resource)) continue;
        const hasRef = (resource as { hasRef?: () => boolean }).hasRef;
        if (typeof hasRef === "function" && !hasRef.call(resource)) continue;
        counts[type] = (counts[type] ?? 0) + 1;
      }
      return counts;
    },
    stop: () => void hook.disable(),
  };
}

/** The socket counts of {@link activeResources}. */
function socketResources(): ResourceCounts {
  const all = activeResources();
  return Object.fromEntries(SOCKET_TYPES.map((type) => [type, all[type] ?? 0]));
}

/** The guard's own polling timers, never counted as leaks. */
const ownTimers = new WeakSet<object>();

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    ownTimers.add(setTimeout(resolve, ms));
  });

/**
 * Polls `check` (every 10 ms, at most `withinMs`) until it returns
 * undefined; returns the last non-undefined value otherwise.
 */
export async function settle<T>(check: () => T | undefined, withinMs = 3_000): Promise<T | undefined> {
  const until = Date.now() + withinMs;
  let last = check();
  while (last !== undefined && Date.now() < until) {
    await sleep(10);
    last = check();
  }
  return last;
}

/** What a {@link useLeakGuard} collects while the suite runs. */
export interface LeakGuard {
  /**
   * Runs `body` and then checks that (within `settleMs`, default 3 s) the ref'd TCP sockets
   * came back to their count before it and every timer it created is
   * cleared, fired or unref'd, and that no unhandled rejection and no
   * MaxListenersExceededWarning happened meanwhile. Returns `body`'s result
   * or throws an Error describing the leak.
   */
  check<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * Installs `unhandledRejection` and `warning` listeners for the enclosing
 * suite and returns the per-test checker.
 */
export function useLeakGuard(options: { settleMs?: number } = {}): LeakGuard {
  const settleMs = options.settleMs ?? 3_000;
  const rejections: unknown[] = [];
  const warnings: string[] = [];
  const onRejection = (reason: unknown) => void rejections.push(reason);
  const onWarning = (warning: Error) => {
    if (warning.name === "MaxListenersExceededWarning") warnings.push(warning.message);
  };
  beforeAll(() => {
    process.on("unhandledRejection", onRejection);
    process.on("warning", onWarning);
  });
  afterAll(() => {
    process.off("unhandledRejection", onRejection);
    process.off("warning", onWarning);
  });
  return {
    async check(body) {
      rejections.length = 0;
      warnings.length = 0;
      const baseline = socketResources();
      const created = trackCreated();
      let excess: Record<string, string> | undefined;
      let alive: ResourceCounts | undefined;
      let result: Awaited<ReturnType<typeof body>>;
      try {
        result = await body();
        excess = await settle(() => {
          const over = resourceExcess(baseline, socketResources());
          return Object.keys(over).length === 0 ? undefined : over;
        }, settleMs);
        alive = await settle(() => {
          const counts = created.alive();
          return Object.keys(counts).length === 0 ? undefined : counts;
        }, settleMs);
      } finally {
        created.stop();
      }
      // Unhandled rejections are reported after the microtask queue drains.
      await sleep(20);
      const problems: string[] = [];
      if (excess !== undefined) problems.push(`active resources left behind: ${JSON.stringify(excess)}`);
      if (alive !== undefined) problems.push(`timers created and left running: ${JSON.stringify(alive)}`);
      if (rejections.length > 0) problems.push(`unhandled rejections: ${rejections.map(String).join("; ")}`);
      if (warnings.length > 0) problems.push(`listener leak warnings: ${warnings.join("; ")}`);
      if (problems.length > 0) throw new Error(problems.join("\n"));
      return result;
    },
  };
}

/**
 * Fails the test when more socket descriptors than `before` are still open
 * after waiting up to 5 s (nothing is checked where they cannot be counted).
 */
export async function expectSocketsBackTo(before: number | undefined, what: string): Promise<void> {
  if (before === undefined) return;
  const left = await settle(() => {
    const now = openSocketCount() ?? 0;
    return now > before ? now : undefined;
  }, 5_000);
  expect(left, what).toBeUndefined();
}
