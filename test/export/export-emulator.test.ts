import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { unzipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { createExportSession, downloadArchiveFile, exportArchive } from "../../src/export/index.js";
import type { ExportProgress } from "../../src/export/index.js";
import { rejection, startExportFixture, TINY_BACKOFF } from "./support/emulator-fixture.js";
import type { ExportFixture } from "./support/emulator-fixture.js";

let fx: ExportFixture;
beforeEach(async () => {
  fx = await startExportFixture();
});
afterEach(async () => {
  await fx.close();
});

const SEARCH = "myactivity.search";
const HISTORY = "chrome.history";

describe.each(["rest", "grpc"] as const)("exportArchive end to end over %s", (protocol) => {
  it("exports two groups as valid ZIPs of the sizes sent, resets last, and the old token is refused", async () => {
    const { client, accessToken } = await fx.clientFor([SEARCH, HISTORY], protocol);
    const events: ExportProgress[] = [];
    const result = await exportArchive(client, {
      resources: [SEARCH, HISTORY],
      outDir: fx.dir,
      resetAfter: true,
      backoff: TINY_BACKOFF,
      sleep: fx.sleep,
      onProgress: (event) => {
        events.push(event);
        // The reset may only come after both archives are on disk.
        if (event.phase === "reset") expect(fx.emulator.calls.count("download")).toBe(2);
      },
    });

    expect(result.reset).toBe(true);
    expect(result.jobs.map((job) => job.resources)).toEqual([[SEARCH], [HISTORY]]);
    expect(fx.emulator.jobs.list()).toHaveLength(2); // one job per group
    const totals = new Map(
      events.flatMap((e) => (e.phase === "downloading" ? [[e.path, e.totalBytes] as const] : [])),
    );
    for (const job of result.jobs) {
      expect(job.state).toBe(State.COMPLETE);
      expect(job.downloaded).toBe(true);
      expect(job.files).toHaveLength(1);
      const file = job.files[0]!;
      expect(file.url).toMatch(/\/archives\/\d+\/dataportability-\d+-001\.zip\?<redacted>$/);
      const bytes = await readFile(file.path);
      expect((await stat(file.path)).size).toBe(file.bytes);
      expect(totals.get(file.path)).toBe(file.bytes); // the Content-Length the emulator sent
      const entries = Object.keys(unzipSync(bytes));
      expect(entries.some((name) => name.startsWith("Portability/"))).toBe(true);
    }
    const zips = (await readdir(fx.dir)).sort();
    expect(zips).toEqual(result.jobs.map((j) => `dataportability-${j.jobId}-001.zip`).sort());
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(1);
    expect(JSON.stringify(events)).not.toContain("Signature=");
    expect(JSON.stringify(events)).not.toContain(accessToken);

    const refused = await rejection(client.checkAccessType({}));
    expect(refused.code).toBe(Code.Unauthenticated);
  });
});

describe("exportArchive", () => {
  it("resumes a job started elsewhere on ALREADY_EXISTS instead of creating a second one", async () => {
    const { client } = await fx.clientFor([SEARCH]);
    const outside = await client.initiatePortabilityArchive({ resources: [SEARCH] });
    const events: ExportProgress[] = [];
    const result = await exportArchive(client, {
      resources: [SEARCH],
      outDir: fx.dir,
      backoff: TINY_BACKOFF,
      sleep: fx.sleep,
      onProgress: (e) => events.push(e),
    });
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]?.jobId).toBe(outside.archiveJobId);
    expect(result.jobs[0]?.origin).toBe("resumed");
    expect(result.jobs[0]?.downloaded).toBe(true);
    expect(result.reset).toBe(false); // resetAfter defaults to false
    expect(fx.emulator.jobs.list().map((j) => j.id)).toEqual([outside.archiveJobId]);
    expect(fx.emulator.calls.count("InitiatePortabilityArchive")).toBe(2);
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(0);
    expect(events.find((e) => e.phase === "resumed")).toEqual({
      phase: "resumed",
      jobId: outside.archiveJobId,
      resources: [SEARCH],
    });
  });

  it("can run one combined job for several groups", async () => {
    const { client } = await fx.clientFor([SEARCH, HISTORY]);
    const result = await exportArchive(client, {
      resources: [SEARCH, HISTORY],
      outDir: fx.dir,
      grouping: "combined",
      backoff: TINY_BACKOFF,
      sleep: fx.sleep,
    });
    expect(result.jobs).toHaveLength(1);
    expect(fx.emulator.jobs.list()[0]?.resources).toEqual([HISTORY, SEARCH]);
    const bytes = await readFile(result.jobs[0]!.files[0]!.path);
    const folders = Object.keys(unzipSync(bytes)).map((name) => name.split("/")[1]);
    expect(folders).toContain("Chrome");
    expect(folders).toContain("My Activity");
  });

  it("checks access first and initiates nothing when a group lacks consent", async () => {
    const { client } = await fx.clientFor([SEARCH]);
    const err = await rejection(
      exportArchive(client, { resources: [SEARCH, HISTORY], outDir: fx.dir, sleep: fx.sleep }),
    );
    expect(err.code).toBe(Code.PermissionDenied);
    expect(err.message).toContain(HISTORY);
    expect(err.message).not.toContain(`${SEARCH},`);
    expect(fx.emulator.calls.count("InitiatePortabilityArchive")).toBe(0);
  });

  it("retries a FAILED job, following the new job id", async () => {
    fx.emulator.configure({ jobOutcome: (job) => (job.attempt === 0 ? "fail" : "complete") });
    const { client } = await fx.clientFor([HISTORY]);
    const events: ExportProgress[] = [];
    const result = await exportArchive(client, {
      resources: [HISTORY],
      outDir: fx.dir,
      maxRetries: 2,
      backoff: TINY_BACKOFF,
      sleep: fx.sleep,
      onProgress: (e) => events.push(e),
    });
    const [job] = result.jobs;
    const [first, second] = fx.emulator.jobs.list();
    expect(first?.state).toBe("FAILED");
    expect(job?.jobId).toBe(second?.id);
    expect(job?.previousJobIds).toEqual([first?.id]);
    expect(job?.downloaded).toBe(true);
    expect(events.filter((e) => e.phase === "retrying")).toEqual([
      { phase: "retrying", failedJobId: first?.id, jobId: second?.id, retry: 1 },
    ]);
  });

  it("reports a job that stays FAILED and then does not reset", async () => {
    fx.emulator.configure({ jobOutcome: "fail" });
    const { client } = await fx.clientFor([HISTORY]);
    const failed: ExportProgress[] = [];
    const result = await exportArchive(client, {
      resources: [HISTORY],
      outDir: fx.dir,
      resetAfter: true,
      backoff: TINY_BACKOFF,
      sleep: fx.sleep,
      onProgress: (e) => e.phase === "failed" && failed.push(e),
    });
    expect(result.jobs[0]?.state).toBe(State.FAILED);
    expect(result.jobs[0]?.files).toEqual([]);
    expect(result.reset).toBe(false);
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(0);
    expect(fx.emulator.calls.count("RetryPortabilityArchive")).toBe(0);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.phase === "failed" && failed[0].error.code).toBe(Code.Internal);
  });

  it("stops at maxWaitMs with DeadlineExceeded and on abort with Canceled; the guard keeps the jobs", async () => {
    fx.emulator.configure({ jobDurationMs: 60_000 });
    const { client } = await fx.clientFor([SEARCH, HISTORY]);
    const session = createExportSession(client, { backoff: TINY_BACKOFF, sleep: fx.sleep, maxWaitMs: 20_000 });
    const timeout = await rejection(session.export({ resources: [SEARCH], outDir: fx.dir }));
    expect(timeout.code).toBe(Code.DeadlineExceeded);
    const [job] = session.jobs();
    expect(timeout.message).toContain(job!.jobId);
    expect(session.resetBlockers().map((b) => b.jobId)).toEqual([job!.jobId]);

    const controller = new AbortController();
    const aborting = createExportSession(client, {
      backoff: TINY_BACKOFF,
      signal: controller.signal,
      sleep: async (ms) => {
        fx.emulator.clock.advance(ms);
        controller.abort();
      },
    });
    const aborted = await rejection(aborting.export({ resources: [HISTORY], outDir: fx.dir }));
    expect(aborted.code).toBe(Code.Canceled);
    expect(aborting.resetBlockers()).toHaveLength(1);
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(0);
  });
});

describe("reset guard", () => {
  it("refuses while a job is IN_PROGRESS or COMPLETE but not downloaded, without calling the server", async () => {
    const { client } = await fx.clientFor([SEARCH]);
    const session = createExportSession(client, { backoff: TINY_BACKOFF, sleep: fx.sleep });
    const job = await session.start([SEARCH]);

    const early = await rejection(session.resetAuthorization());
    expect(early.code).toBe(Code.FailedPrecondition);
    expect(early.message).toContain(`${job.jobId} (STATE_UNSPECIFIED, unfinished)`);
    expect(early.message).toContain("after all jobs are done and all archives are downloaded");
    await session.refresh(job.jobId);
    const running = await rejection(session.resetAuthorization());
    expect(running.message).toContain(`${job.jobId} (IN_PROGRESS, unfinished)`);

    const [complete] = await session.waitForJobs();
    expect(complete?.state).toBe(State.COMPLETE);
    const undownloaded = await rejection(session.resetAuthorization());
    expect(undownloaded.code).toBe(Code.FailedPrecondition);
    expect(undownloaded.message).toContain(`${job.jobId} (COMPLETE, 1 archive file(s) not downloaded)`);
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(0);

    await session.download(job.jobId, fx.dir);
    expect(session.resetBlockers()).toEqual([]);
    await session.resetAuthorization();
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(1);
  });

  it("allows a forced reset, and does not count CANCELLED jobs", async () => {
    const { client } = await fx.clientFor([SEARCH, HISTORY]);
    const session = createExportSession(client, { backoff: TINY_BACKOFF, sleep: fx.sleep });
    const search = await session.start([SEARCH]);
    const history = await session.start([HISTORY]);
    const cancelled = await session.cancel(history.jobId);
    expect(cancelled.state).toBe(State.CANCELLED);
    expect(session.resetBlockers().map((b) => b.jobId)).toEqual([search.jobId]);

    const resets: ExportProgress[] = [];
    session.events.on("reset", (e) => resets.push(e));
    await session.resetAuthorization({ force: true });
    expect(resets).toEqual([{ phase: "reset", forced: true }]);
    expect(fx.emulator.calls.count("ResetAuthorization")).toBe(1);
  });
});

describe("downloads from the emulator", () => {
  async function completedJob() {
    const { client } = await fx.clientFor([HISTORY]);
    const session = createExportSession(client, { backoff: TINY_BACKOFF, sleep: fx.sleep });
    const job = await session.start([HISTORY]);
    await session.waitForJobs();
    return { client, session, jobId: job.jobId };
  }

  it("fails on a connection cut mid-body and leaves no partial file; a new attempt succeeds", async () => {
    const { session, jobId } = await completedJob();
    fx.emulator.faults.set("download", { effect: { type: "drop", when: "mid-body" }, times: 1 });
    const cut = await rejection(session.download(jobId, fx.dir));
    expect(cut.code).toBe(Code.DataLoss);
    expect(cut.message).not.toContain("Signature");
    expect(await readdir(fx.dir)).toEqual([]);
    expect(session.resetBlockers()).toHaveLength(1);

    const [file] = await session.download(jobId, fx.dir);
    expect(await readdir(fx.dir)).toEqual([`dataportability-${jobId}-001.zip`]);
    expect(unzipSync(await readFile(file!.path))).toBeTruthy();
  });

  it("rejects a short body that the server declares complete (ZIP check)", async () => {
    const { session, jobId } = await completedJob();
    fx.emulator.faults.set("download", { effect: { type: "truncated-body" }, times: 1 });
    const err = await rejection(session.download(jobId, fx.dir));
    expect(err.code).toBe(Code.DataLoss);
    expect(err.message).toContain("not a complete ZIP");
    expect(await readdir(fx.dir)).toEqual([]);
  });

  it("gives a clear error for a URL past its 6 h lifetime, and the session fetches a fresh one", async () => {
    fx.emulator.configure({ accessTokenTtlMs: 24 * 60 * 60 * 1000 }); // the token outlives the URL
    const { client, session, jobId } = await completedJob();
    const state = await client.getPortabilityArchiveState({ name: `archiveJobs/${jobId}/portabilityArchiveState` });
    const oldUrl = state.urls[0]!;
    fx.emulator.clock.advance(6 * 60 * 60 * 1000 + 1_000);

    const expired = await rejection(downloadArchiveFile(oldUrl, fx.dir));
    expect(expired.code).toBe(Code.FailedPrecondition);
    expect(expired.message).toContain("has expired");
    expect(expired.message).toContain("GetPortabilityArchiveState");
    expect(expired.message).not.toContain(new URL(oldUrl).search.slice(1));
    expect(await readdir(fx.dir)).toEqual([]);

    const polls = fx.emulator.calls.count("GetPortabilityArchiveState");
    const files = await session.download(jobId, fx.dir);
    expect(files).toHaveLength(1);
    expect(fx.emulator.calls.count("GetPortabilityArchiveState")).toBe(polls + 1);
  });

  it("does not overwrite an existing file of the same name", async () => {
    const { session, jobId } = await completedJob();
    const target = join(fx.dir, `dataportability-${jobId}-001.zip`);
    await writeFile(target, "mine");
    const err = await rejection(session.download(jobId, fx.dir));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(await readFile(target, "utf8")).toBe("mine");
    expect(await readdir(fx.dir)).toEqual([`dataportability-${jobId}-001.zip`]);
  });

  it("cannot download after the reset: the archive is gone", async () => {
    const { client, session, jobId } = await completedJob();
    const state = await client.getPortabilityArchiveState({ name: `archiveJobs/${jobId}/portabilityArchiveState` });
    await session.resetAuthorization({ force: true });
    const err = await rejection(downloadArchiveFile(state.urls[0]!, fx.dir));
    expect(err.code).toBe(Code.NotFound);
  });
});
