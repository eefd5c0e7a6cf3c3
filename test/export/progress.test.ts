import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccessType, PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { createExportSession } from "../../src/export/index.js";
import type { ExportProgress } from "../../src/export/index.js";
import { startExportFixture, TINY_BACKOFF } from "./support/emulator-fixture.js";
import type { ExportFixture } from "./support/emulator-fixture.js";

let fx: ExportFixture;
beforeEach(async () => {
  fx = await startExportFixture({ jobDurationMs: 5_000 });
});
afterEach(async () => {
  await fx.close();
});

describe("progress events", () => {
  it("are emitted in order to the callback, the progress channel and the phase channels", async () => {
    const { client } = await fx.clientFor(["myactivity.search"]);
    const fromCallback: ExportProgress[] = [];
    const session = createExportSession(client, {
      backoff: TINY_BACKOFF,
      sleep: fx.sleep,
      onProgress: (e) => fromCallback.push(e),
    });
    const fromEmitter: ExportProgress[] = [];
    const polls: Array<[number, string, number | undefined]> = [];
    session.events.on("progress", (e) => fromEmitter.push(e));
    session.events.on("polling", (e) => polls.push([e.attempt, e.stateName, e.nextPollMs]));

    const result = await session.export({ resources: ["myactivity.search"], outDir: fx.dir, resetAfter: true });
    const jobId = result.jobs[0]!.jobId;

    expect(fromEmitter).toEqual(fromCallback);
    // Consecutive "downloading" events (one per chunk) collapse to one step.
    const phases = fromCallback.map((e) => e.phase).filter((p, i, all) => p !== "downloading" || all[i - 1] !== p);
    expect(phases).toEqual([
      "checking",
      "initiated",
      "polling",
      "polling",
      "polling",
      "polling",
      "downloading",
      "downloaded",
      "reset",
      "done",
    ]);
    // Virtual time 0, 1 000, 3 000, 7 000: the job (5 000 ms) is COMPLETE at the 4th poll.
    expect(polls).toEqual([
      [1, "IN_PROGRESS", 1_000],
      [2, "IN_PROGRESS", 2_000],
      [3, "IN_PROGRESS", 4_000],
      [4, "COMPLETE", undefined],
    ]);
    expect(fromCallback[0]).toEqual({ phase: "checking", resources: ["myactivity.search"] });
    expect(fromCallback[1]).toEqual({
      phase: "initiated",
      jobId,
      resources: ["myactivity.search"],
      accessType: AccessType.ONE_TIME,
    });
    const downloading = fromCallback.filter((e) => e.phase === "downloading");
    const bytes = downloading.map((e) => (e.phase === "downloading" ? e.bytes : -1));
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    const last = downloading.at(-1);
    const downloaded = fromCallback.find((e) => e.phase === "downloaded");
    expect(last?.phase === "downloading" && downloaded?.phase === "downloaded").toBe(true);
    if (last?.phase === "downloading" && downloaded?.phase === "downloaded") {
      expect(last.bytes).toBe(downloaded.file.bytes);
      expect(last.totalBytes).toBe(downloaded.file.bytes);
      expect(last.path).toBe(downloaded.file.path);
      expect(last.url).not.toContain("?");
    }
    expect(fromCallback.at(-1)).toEqual({ phase: "done", jobIds: [jobId], reset: true });
    expect(result.jobs[0]?.state).toBe(State.COMPLETE);
  });

  it("end with a failed event when the export stops with an error", async () => {
    const { client } = await fx.clientFor(["myactivity.search"]);
    const phases: string[] = [];
    const session = createExportSession(client, { sleep: fx.sleep, onProgress: (e) => phases.push(e.phase) });
    await expect(session.export({ resources: ["chrome.history"], outDir: fx.dir })).rejects.toThrow(/chrome\.history/);
    expect(phases).toEqual(["checking", "failed"]);
  });
});
