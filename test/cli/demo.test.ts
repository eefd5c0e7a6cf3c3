/**
 * `npm start` (the demo) as a child process: exit 0, each RPC beside the
 * HTTP request line it became over REST and over gRPC, the guarded reset,
 * the final refusal of the revoked token, and the temp folder removed.
 */
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { json, lines, run } from "./support.js";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const SERVICE = "/google.dataportability.v1.DataPortabilityService";

async function demoFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith("dataportability-demo-"));
}

describe("npm start", () => {
  it("runs the demo: REST and gRPC request lines, reset after download, revoked token refused", async () => {
    const before = await demoFolders();
    const started = performance.now();
    const result = await run([], { command: [NPM, "start", "--silent"], timeoutMs: 60_000 });
    const elapsedMs = performance.now() - started;
    expect(result.code).toBe(0);
    // The bound for the whole demo (npm and tsx start-up included).
    expect(elapsedMs, "npm start finishes in under 10 s").toBeLessThan(10_000);
    expect(result.stderr).toBe("");
    const out = lines(result.stdout);
    const rest = out.indexOf("== REST: HTTP/1.1 + JSON, each RPC transcoded by its google.api.http rule");
    const grpc = out.indexOf("== gRPC: HTTP/2 + binary protobuf");
    const after = out.indexOf("== After the reset, the revoked tokens are refused");
    expect(rest).toBeGreaterThan(0);
    expect(grpc).toBeGreaterThan(rest);
    expect(after).toBeGreaterThan(grpc);
    const restPart = out.slice(rest, grpc);
    const grpcPart = out.slice(grpc, after);

    // Each RPC beside the request line it became, in the flow's order.
    const job = /^ {4}archive job (\S+) \(ONE_TIME\)$/;
    const restJob = restPart.map((l) => job.exec(l)?.[1]).find(Boolean);
    const grpcJob = grpcPart.map((l) => job.exec(l)?.[1]).find(Boolean);
    expect(restPart.filter((l) => l.includes(" → "))).toEqual([
      "  CheckAccessType → POST /v1/accessType:check (HTTP/1.1, REST/JSON)",
      "  InitiatePortabilityArchive → POST /v1/portabilityArchive:initiate (HTTP/1.1, REST/JSON)",
      `  GetPortabilityArchiveState → GET /v1/archiveJobs/${restJob}/portabilityArchiveState (HTTP/1.1, REST/JSON)`,
      `  GetPortabilityArchiveState → GET /v1/archiveJobs/${restJob}/portabilityArchiveState (HTTP/1.1, REST/JSON)`,
      expect.stringMatching(new RegExp(`^  download → GET /archives/${restJob}/\\S+\\.zip\\?<redacted> \\(signed URL, no Authorization header\\): \\d+ bytes$`)),
      "  ResetAuthorization → POST /v1/authorization:reset (HTTP/1.1, REST/JSON)",
    ]);
    expect(grpcPart.filter((l) => l.includes(" → "))).toEqual([
      `  CheckAccessType → POST ${SERVICE}/CheckAccessType (HTTP/2, gRPC)`,
      `  InitiatePortabilityArchive → POST ${SERVICE}/InitiatePortabilityArchive (HTTP/2, gRPC)`,
      `  GetPortabilityArchiveState → POST ${SERVICE}/GetPortabilityArchiveState (HTTP/2, gRPC)`,
      `  GetPortabilityArchiveState → POST ${SERVICE}/GetPortabilityArchiveState (HTTP/2, gRPC)`,
      expect.stringMatching(new RegExp(`^  download → GET /archives/${grpcJob}/\\S+\\.zip\\?<redacted> `)),
      `  ResetAuthorization → POST ${SERVICE}/ResetAuthorization (HTTP/2, gRPC)`,
    ]);
    // The guard refused the early reset (nothing sent) before the download.
    for (const part of [restPart, grpcPart]) {
      const guard = part.findIndex((l) => l.startsWith("  reset now? the export session's guard refuses:") && l.endsWith("(0 requests sent)"));
      expect(guard).toBeGreaterThan(0);
      expect(guard).toBeLessThan(part.findIndex((l) => l.startsWith("  download → ")));
    }
    expect(out.slice(after)).toEqual([
      "== After the reset, the revoked tokens are refused",
      "  CheckAccessType → POST /v1/accessType:check (HTTP/1.1, REST/JSON)",
      "    refused: UNAUTHENTICATED (reason: ACCESS_TOKEN_INVALID)",
      `  CheckAccessType → POST ${SERVICE}/CheckAccessType (HTTP/2, gRPC)`,
      "    refused: UNAUTHENTICATED (reason: ACCESS_TOKEN_INVALID)",
      "",
      "REST and gRPC agree: the same 5 RPCs got the same answers (2 one-time groups; IN_PROGRESS → COMPLETE; 1 archive file(s); reset last).",
    ]);
    expect(result.stdout).not.toMatch(/ya29\.|1\/\/emu-/);
    expect(await demoFolders()).toEqual(before);
  }, 90_000);

  it("demo --json reports the same in one document", async () => {
    const result = await run(["--json", "demo"], { timeoutMs: 60_000 });
    expect(result.code).toBe(0);
    const report = json(result.stdout) as {
      ok: boolean;
      agree: boolean;
      runs: { protocol: string; requests: { rpc: string; line: string }[]; states: string[] }[];
      refusals: { protocol: string; code: string; reason: string }[];
    };
    expect(report.ok).toBe(true);
    expect(report.agree).toBe(true);
    expect(report.runs.map((r) => r.protocol)).toEqual(["rest", "grpc"]);
    expect(report.runs.map((r) => r.requests.at(-1))).toEqual([
      { rpc: "ResetAuthorization", line: "POST /v1/authorization:reset (HTTP/1.1, REST/JSON)" },
      { rpc: "ResetAuthorization", line: `POST ${SERVICE}/ResetAuthorization (HTTP/2, gRPC)` },
    ]);
    expect(report.refusals.map((r) => [r.protocol, r.code, r.reason])).toEqual([
      ["rest", "UNAUTHENTICATED", "ACCESS_TOKEN_INVALID"],
      ["grpc", "UNAUTHENTICATED", "ACCESS_TOKEN_INVALID"],
    ]);
  }, 90_000);
});
