/**
 * Load: many calls at concurrency 256 per protocol, through the library's
 * client, against the emulator in a child process (so the sockets, timers
 * and heap measured here are the client's alone).
 *
 * `npm test` makes 2 000 calls per protocol; `npm run stress` (STRESS=1)
 * makes 100 000. Asserted:
 * - zero errors (retries are off, so none is hidden);
 * - after the last round no ref'd socket and no timer it created is left, no
 *   unhandled rejection and no MaxListenersExceededWarning happened (leak
 *   guard); once the
 *   emulator is gone, no socket descriptor at all is left (keep-alive pools
 *   included: the client has no close(), its idle sockets are unref'd and
 *   end with the server);
 * - the heap after a full GC stays flat from round to round. The bound is
 *   generous (4 MiB + 10 % of the post-warm-up heap): GC timing and
 *   connection pools make a few hundred KB of noise, while a leak of even
 *   one small object per call grows by megabytes over the stress rounds.
 *   GC is exposed with `v8.setFlagsFromString("--expose-gc")`, which needs
 *   no change to the vitest configuration.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_PORTABILITY_PROTOCOLS, createDataPortabilityClient, type DataPortabilityClient } from "../../src/index.js";
import { expectSocketsBackTo, openSocketCount, useLeakGuard } from "../faults/support/leak-guard.js";
import { startRemoteEmulator, type RemoteEmulator } from "../faults/support/remote-emulator.js";

const STRESS = process.env["STRESS"] === "1";
const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;
const CONCURRENCY = 256;
const CALLS = STRESS ? 100_000 : 2_000;
const ROUNDS = STRESS ? 10 : 4;
const GROUPS = ["myactivity.search", "chrome.history"];
/** Allowed heap growth from the first measured round to the last. */
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;
const HEAP_SLACK_RATIO = 0.1;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap in use after a full collection (twice, so finalizers' garbage goes too). */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Runs `total` calls, at most `concurrency` at a time; resolves with the failures. */
async function drive(total: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<unknown[]> {
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      try {
        await call(i);
      } catch (e) {
        failures.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return failures;
}

const guard = useLeakGuard();
let emulator: RemoteEmulator;
let socketsBefore: number | undefined;
let stateName: string;
let token: string;

beforeAll(async () => {
  socketsBefore = openSocketCount();
  emulator = await startRemoteEmulator();
  const tokens = await emulator.consent({ user: "load@example.com", resources: GROUPS });
  token = tokens.accessToken;
  const setup = createDataPortabilityClient({ baseUrl: emulator.url, auth: token, retry: false });
  const { archiveJobId } = await setup.initiatePortabilityArchive({ resources: ["myactivity.search"] });
  stateName = `archiveJobs/${archiveJobId}/portabilityArchiveState`;
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await expectSocketsBackTo(socketsBefore, "socket descriptors still open after the emulator closed");
});

/** One call of the mix: mostly CheckAccessType, every fourth a state read. */
function mixedCall(client: DataPortabilityClient, i: number): Promise<unknown> {
  return i % 4 === 3 ? client.getPortabilityArchiveState({ name: stateName }) : client.checkAccessType({});
}

describe.each(PROTOCOLS)("load over %s", (protocol) => {
  it(
    `${CALLS} calls at concurrency ${CONCURRENCY}: no errors, no leaks, flat heap`,
    async () => {
      const heaps: number[] = [];
      const client = createDataPortabilityClient({ protocol, baseUrl: emulator.url, auth: token, retry: false, timeoutMs: 30_000 });
      const round = async (label: string) => {
        const failures = await drive(Math.ceil(CALLS / ROUNDS), CONCURRENCY, (i) => mixedCall(client, i));
        expect(failures.length, `${label}: ${failures.slice(0, 3).map(String).join("; ")}`).toBe(0);
        heaps.push(heapAfterGc());
      };
      // Warm-up: connections, lazily loaded modules, JIT.
      expect(await drive(CONCURRENCY, CONCURRENCY, (i) => mixedCall(client, i))).toEqual([]);
      for (let r = 0; r < ROUNDS - 1; r++) await round(`round ${r}`);
      // The last round runs under the leak guard (its timer tracking slows
      // every promise down, so it watches one round: a per-call leak shows
      // in any round).
      await guard.check(() => round("last round"));
      const first = heaps[0]!;
      const last = heaps[heaps.length - 1]!;
      const allowed = HEAP_SLACK_BYTES + first * HEAP_SLACK_RATIO;
      const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
      expect(last - first, `heap after GC per round (MiB): ${heaps.map(mib).join(", ")}`).toBeLessThan(allowed);
    },
    STRESS ? 600_000 : 60_000,
  );
});
