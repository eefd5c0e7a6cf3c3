/**
 * The CLI's pure parts in-process: argument parsing, redaction, shell
 * quoting, error reports, the progress bar, and runCli with captured io.
 */
import { execFile } from "node:child_process";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  DataPortabilityService,
  PortabilityArchiveState_State as State,
} from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { jobName, parseDuration, parseJobId, parseResources, parseTime, stateName } from "../../src/cli/arguments.js";
import { describeError, formatErrorText } from "../../src/cli/error-report.js";
import { CliError, EXIT, exitCodeOf, usageError } from "../../src/cli/exit-codes.js";
import { createBarProgress, createLineProgress } from "../../src/cli/export-progress.js";
import { curlCommand, dryRunRequest, shellQuote } from "../../src/cli/dry-run.js";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { redactSecrets } from "../../src/cli/redact.js";

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(exitCodeOf(e)).toBe(EXIT.usage);
    return (e as Error).message;
  }
  throw new Error("no usage error");
}

describe("arguments", () => {
  it("a job is a bare id, archiveJobs/<id> or its state name", () => {
    expect(parseJobId("123")).toBe("123");
    expect(parseJobId(" archiveJobs/123 ")).toBe("123");
    expect(parseJobId("archiveJobs/123/portabilityArchiveState")).toBe("123");
    expect(jobName("123")).toBe("archiveJobs/123");
    expect(stateName("archiveJobs/123")).toBe("archiveJobs/123/portabilityArchiveState");
    for (const bad of ["", "a/b", "archiveJobs/", "archiveJobs/1/x", "..", "with space", "1?alt=media", "1#x", "%2e%2e"]) {
      expect(usageMessage(() => parseJobId(bad))).toContain("invalid job");
    }
    expect(usageMessage(() => parseJobId("1?alt=media"))).toContain('(it contains a "?" (a query))');
  });

  it("resources: names or scope URLs, comma lists, de-duplicated", () => {
    expect(
      parseResources(["myactivity.search,chrome.history", "https://www.googleapis.com/auth/dataportability.chrome.history"]),
    ).toEqual(["myactivity.search", "chrome.history"]);
    expect(usageMessage(() => parseResources([]))).toContain("at least one resource group");
    expect(usageMessage(() => parseResources(["https://www.googleapis.com/auth/drive"]))).toContain("invalid resource group");
  });

  it("times are RFC 3339 (a bare date is UTC midnight); durations take units, bare numbers are seconds", () => {
    expect(parseTime("--start", "2024-01-31").toISOString()).toBe("2024-01-31T00:00:00.000Z");
    expect(parseTime("--end", "2024-01-31T10:00:00+02:00").toISOString()).toBe("2024-01-31T08:00:00.000Z");
    expect(usageMessage(() => parseTime("--start", "31/01/2024"))).toContain("--start");
    expect([parseDuration("t", "500ms"), parseDuration("t", "30"), parseDuration("t", "2m"), parseDuration("t", "1h")]).toEqual([
      500, 30_000, 120_000, 3_600_000,
    ]);
    expect(usageMessage(() => parseDuration("--timeout", "0"))).toContain("--timeout");
  });
});

describe("redaction", () => {
  it("removes known secrets and anything shaped like a token", () => {
    const text =
      'Authorization: Bearer abc.def-123 token ya29.A0secret refresh 1//0gRefresh access_token=xyz&x=1 {"refresh_token": "r-e-f"} plain-secret';
    const out = redactSecrets(text, ["plain-secret"]);
    for (const secret of ["abc.def-123", "ya29.A0secret", "1//0gRefresh", "xyz", "r-e-f", "plain-secret"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("Bearer <redacted>");
    expect(out).toContain("&x=1");
  });
});

describe("dry run", () => {
  it("shellQuote survives a real shell, quotes included", async () => {
    const text = `it's "a" $HOME \\ ;`;
    const { stdout } = await promisify(execFile)("sh", ["-c", `printf %s ${shellQuote(text)}`]);
    expect(stdout).toBe(text);
  });

  it("the curl line follows the REST encoder: GET without body, POST with the JSON body", () => {
    const state = dryRunRequest(DataPortabilityService.method.getPortabilityArchiveState, { name: "archiveJobs/9/portabilityArchiveState" }, { baseUrl: "https://example.test/" });
    expect(curlCommand(state)).toBe("curl -X GET 'https://example.test/v1/archiveJobs/9/portabilityArchiveState' -H 'Authorization: Bearer <redacted>'");
    const initiate = dryRunRequest(DataPortabilityService.method.initiatePortabilityArchive, { resources: ["a.b"] }, { baseUrl: "https://example.test" });
    expect(initiate).toMatchObject({ method: "POST", url: "https://example.test/v1/portabilityArchive:initiate", body: '{"resources":["a.b"]}' });
  });
});

describe("error reports", () => {
  it("an API error: status name, ErrorInfo reason, a hint, exit 4, tokens redacted", () => {
    const info = create(ErrorInfoSchema, { reason: "RESOURCE_EXHAUSTED_ONE_TIME", domain: "dataportability.googleapis.com" });
    const error = new ConnectError("Requested resources exhausted for ya29.leaked", Code.ResourceExhausted, undefined, [
      { desc: ErrorInfoSchema, value: info },
    ]);
    const report = describeError(error);
    expect(report).toMatchObject({ code: "RESOURCE_EXHAUSTED", reason: "RESOURCE_EXHAUSTED_ONE_TIME", exitCode: 4 });
    expect(report.message).toBe("Requested resources exhausted for <redacted>");
    const [line, hint] = formatErrorText(report);
    expect(line).toBe("error: Requested resources exhausted for <redacted> (RESOURCE_EXHAUSTED, reason: RESOURCE_EXHAUSTED_ONE_TIME)");
    expect(hint).toMatch(/^hint: .*dataportability reset/);
  });

  it("exit codes by kind", () => {
    expect(exitCodeOf(new ConnectError("x", Code.Unauthenticated))).toBe(3);
    expect(exitCodeOf(new ConnectError("x", Code.PermissionDenied))).toBe(3);
    expect(exitCodeOf(new ConnectError("x", Code.Unavailable))).toBe(5);
    expect(exitCodeOf(new ConnectError("x", Code.DeadlineExceeded))).toBe(5);
    expect(exitCodeOf(new ConnectError("x", Code.NotFound))).toBe(4);
    expect(exitCodeOf(new ConnectError("x", Code.Canceled))).toBe(130);
    expect(exitCodeOf(usageError("x"))).toBe(2);
    expect(exitCodeOf(new CliError(EXIT.auth, "x"))).toBe(3);
    expect(exitCodeOf(new Error("x"))).toBe(1);
  });
});

describe("export progress", () => {
  const events = [
    { phase: "initiated", jobId: "7", resources: ["a.b"], accessType: 1 },
    { phase: "polling", jobId: "7", state: State.IN_PROGRESS, stateName: "IN_PROGRESS", attempt: 1, nextPollMs: 300_000 },
    { phase: "downloading", jobId: "7", url: "https://x/y.zip", path: "/tmp/y.zip", bytes: 1, totalBytes: 2 },
    { phase: "downloading", jobId: "7", url: "https://x/y.zip", path: "/tmp/y.zip", bytes: 2, totalBytes: 2 },
    { phase: "downloaded", jobId: "7", file: { path: "/tmp/y.zip", bytes: 2, url: "https://x/y.zip" } },
  ] as const;

  it("lines: one per event, one per downloaded file", () => {
    const out: string[] = [];
    const view = createLineProgress({ write: (t) => out.push(t) }, []);
    for (const e of events) view.onEvent(e);
    expect(out.join("")).toBe(
      [
        "initiated job 7 for a.b",
        "job 7: IN_PROGRESS, next poll in 5 min",
        "downloading https://x/y.zip (2 bytes)",
        "downloaded /tmp/y.zip (2 bytes)",
        "",
      ].join("\n"),
    );
  });

  it("a cli-progress bar on a terminal: jobs done out of jobs started", async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = "";
    stream.on("data", (chunk: Buffer) => (drawn += chunk.toString("utf8")));
    const view = await createBarProgress(stream, []);
    for (const e of events) view.onEvent(e);
    view.stop();
    expect(drawn).toContain("export |");
    expect(drawn).toContain("| 1/1 jobs | downloaded /tmp/y.zip (2 bytes)");
  });
});

describe("runCli in-process", () => {
  function captureIo(): { io: CliIo; out: () => string; err: () => string } {
    let out = "";
    let err = "";
    return {
      io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: {} },
      out: () => out,
      err: () => err,
    };
  }

  it("returns the exit code and writes to the given io", async () => {
    const dry = captureIo();
    expect(await runCli(["--dry-run", "check-access"], dry.io)).toBe(0);
    expect(dry.out()).toBe(
      "curl -X POST 'https://dataportability.googleapis.com/v1/accessType:check' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'\n",
    );
    const bad = captureIo();
    expect(await runCli(["--json", "frobnicate"], bad.io)).toBe(2);
    expect(JSON.parse(bad.err())).toMatchObject({ error: { code: "USAGE", exitCode: 2 } });
    const version = captureIo();
    expect(await runCli(["--version"], version.io)).toBe(0);
    expect(version.out()).toBe("0.1.0\n");
  });
});
