import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { resetBlockers, resetRefusedError } from "../../src/export/index.js";

describe("resetBlockers", () => {
  it("blocks on unfinished and undownloaded jobs only", () => {
    const blockers = resetBlockers([
      { jobId: "1", state: State.STATE_UNSPECIFIED, fileCount: 0, downloadedCount: 0 },
      { jobId: "2", state: State.IN_PROGRESS, fileCount: 0, downloadedCount: 0 },
      { jobId: "3", state: State.COMPLETE, fileCount: 2, downloadedCount: 1 },
      { jobId: "4", state: State.COMPLETE, fileCount: 2, downloadedCount: 2 },
      { jobId: "5", state: State.FAILED, fileCount: 0, downloadedCount: 0 },
      { jobId: "6", state: State.CANCELLED, fileCount: 0, downloadedCount: 0 },
      { jobId: "7", state: State.COMPLETE, fileCount: 0, downloadedCount: 0 },
    ]);
    expect(blockers).toEqual([
      { jobId: "1", state: State.STATE_UNSPECIFIED, reason: "unfinished", missingFiles: 0 },
      { jobId: "2", state: State.IN_PROGRESS, reason: "unfinished", missingFiles: 0 },
      { jobId: "3", state: State.COMPLETE, reason: "undownloaded", missingFiles: 1 },
      { jobId: "7", state: State.COMPLETE, reason: "undownloaded", missingFiles: 0 },
    ]);
    expect(resetBlockers([])).toEqual([]);
  });

  it("names a COMPLETE job without archive URLs as not downloaded", () => {
    const error = resetRefusedError(resetBlockers([{ jobId: "7", state: State.COMPLETE, fileCount: 0, downloadedCount: 0 }]));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain("7 (COMPLETE, but it listed no archive URL, so nothing was downloaded)");
  });
});
