/**
 * Every one-RPC subcommand as a child process against an emulator, in text
 * and in --json mode, over REST and gRPC.
 */
import { describe, expect, it } from "vitest";
import { consent, json, lines, run, tokenEnv, useEmulator, useTempDir, writeCredentialsFile } from "./support.js";

const SEARCH = "myactivity.search";
const HISTORY = "chrome.history";
const emulator = useEmulator();

/** A fresh consent and the env and secrets of a run with its token. */
async function session(resources: readonly string[] = [SEARCH, HISTORY]) {
  const tokens = await consent(emulator.current, resources);
  return {
    tokens,
    options: { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken, tokens.refreshToken] },
  };
}

describe.each(["rest", "grpc"] as const)("over %s", (protocol) => {
  const api = () => ["--endpoint", emulator.current.url, "--protocol", protocol];

  it("check-access lists the consented groups (text and JSON)", async () => {
    const { options } = await session();
    const text = await run([...api(), "check-access"], options);
    expect(text.code).toBe(0);
    expect(lines(text.stdout)).toEqual([`One-time access: ${SEARCH}, ${HISTORY}`, "Time-based access: (none)"]);
    expect(text.stderr).toBe("");

    const asJson = await run([...api(), "--json", "check-access"], options);
    expect(asJson.code).toBe(0);
    expect(json(asJson.stdout)).toEqual({ oneTimeResources: [SEARCH, HISTORY], timeBasedResources: [] });
  });

  it("initiate starts a job the emulator knows; --start/--end reach it", async () => {
    const { options } = await session();
    const text = await run([...api(), "initiate", SEARCH], options);
    expect(text.code).toBe(0);
    const id = /^Initiated archive job (\S+) \(one-time access\)\.$/m.exec(text.stdout)?.[1];
    expect(id).toBeDefined();
    expect(emulator.current.jobs.get(id!)).toMatchObject({ resources: [SEARCH], state: "IN_PROGRESS" });
    expect(text.stdout).toContain(`Next: dataportability state ${id}`);

    const asJson = await run(
      [...api(), "--json", "initiate", HISTORY, "--start", "2024-01-01", "--end", "2024-02-01T00:00:00Z"],
      options,
    );
    expect(asJson.code).toBe(0);
    const res = json(asJson.stdout) as { archiveJobId: string; accessType: string };
    expect(res.accessType).toBe("ACCESS_TYPE_ONE_TIME");
    expect(emulator.current.jobs.get(res.archiveJobId)).toMatchObject({ resources: [HISTORY] });
  });

  it("state takes a bare id or archiveJobs/<id>, and shows IN_PROGRESS then COMPLETE with URLs", async () => {
    const { options } = await session([SEARCH]);
    const started = await run([...api(), "--json", "initiate", SEARCH], options);
    const { archiveJobId: id } = json(started.stdout) as { archiveJobId: string };

    const running = await run([...api(), "state", id], options);
    expect(running.code).toBe(0);
    expect(lines(running.stdout)[0]).toBe(`Job ${id}: IN_PROGRESS`);

    emulator.current.clock.advance(emulator.current.settings().jobDurationMs);
    const done = await run([...api(), "state", `archiveJobs/${id}`], options);
    expect(done.code).toBe(0);
    expect(lines(done.stdout)[0]).toBe(`Job ${id}: COMPLETE`);
    expect(done.stdout).toMatch(/Archive URLs \(1, signed/);
    expect(done.stdout).toContain(`${emulator.current.url}/archives/${id}/`);

    const asJson = await run([...api(), "--json", "state", `archiveJobs/${id}/portabilityArchiveState`], options);
    expect(asJson.code).toBe(0);
    const state = json(asJson.stdout) as { name: string; state: string; urls: string[] };
    expect(state.name).toBe(`archiveJobs/${id}/portabilityArchiveState`);
    expect(state.state).toBe("COMPLETE");
    expect(state.urls).toHaveLength(1);
  });

  it("retry restarts a FAILED job under a new id (text and JSON)", async () => {
    const { options } = await session([SEARCH]);
    const started = json((await run([...api(), "--json", "initiate", SEARCH], options)).stdout) as { archiveJobId: string };
    emulator.current.jobs.fail(started.archiveJobId);
    const failed = await run([...api(), "state", started.archiveJobId], options);
    const failedLines = lines(failed.stdout);
    expect(failedLines[0]).toBe(`Job ${started.archiveJobId}: FAILED`);
    expect(failedLines.at(-1)).toBe(`Failed: restart it with dataportability retry ${started.archiveJobId} (up to 3 times).`);

    const text = await run([...api(), "retry", started.archiveJobId], options);
    expect(text.code).toBe(0);
    const retried = /^Retry started: new archive job (\S+)\.$/m.exec(text.stdout)?.[1];
    expect(retried).toBeDefined();
    expect(emulator.current.jobs.get(retried!)).toMatchObject({ retryOf: started.archiveJobId, state: "IN_PROGRESS" });

    emulator.current.jobs.fail(retried!);
    const asJson = await run([...api(), "--json", "retry", `archiveJobs/${retried}`], options);
    expect(asJson.code).toBe(0);
    const again = json(asJson.stdout) as { archiveJobId: string };
    expect(emulator.current.jobs.get(again.archiveJobId)).toMatchObject({ retryOf: retried });
  });

  it("cancel stops a running job (text and JSON)", async () => {
    const { options } = await session();
    const first = json((await run([...api(), "--json", "initiate", SEARCH], options)).stdout) as { archiveJobId: string };
    const text = await run([...api(), "cancel", first.archiveJobId], options);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`Cancelled archive job ${first.archiveJobId}: its state becomes CANCELLED.\n`);
    expect(emulator.current.jobs.get(first.archiveJobId)?.state).toBe("CANCELLED");

    const second = json((await run([...api(), "--json", "initiate", HISTORY], options)).stdout) as { archiveJobId: string };
    const asJson = await run([...api(), "--json", "cancel", `archiveJobs/${second.archiveJobId}`], options);
    expect(asJson.code).toBe(0);
    expect(json(asJson.stdout)).toEqual({});
    expect(emulator.current.jobs.get(second.archiveJobId)?.state).toBe("CANCELLED");
  });

  it("reset revokes the token: the next call is refused with exit code 3 and the reason", async () => {
    const { options } = await session([SEARCH]);
    const text = await run([...api(), "reset"], options);
    expect(text.code).toBe(0);
    expect(lines(text.stdout)[0]).toBe("Authorization reset: the user's tokens are revoked and exhausted scopes are reset.");

    const refused = await run([...api(), "check-access"], options);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe("");
    expect(lines(refused.stderr)[0]).toMatch(/^error: .+ \(UNAUTHENTICATED, reason: ACCESS_TOKEN_INVALID\)$/);

    const again = await session([SEARCH]);
    const asJson = await run([...api(), "--json", "reset"], again.options);
    expect(asJson.code).toBe(0);
    expect(json(asJson.stdout)).toEqual({});
    const refusedJson = await run([...api(), "--json", "check-access"], again.options);
    expect(refusedJson.code).toBe(3);
    expect(json(refusedJson.stderr)).toMatchObject({
      error: { code: "UNAUTHENTICATED", reason: "ACCESS_TOKEN_INVALID", exitCode: 3 },
    });
  });
});

describe("credentials", () => {
  const dir = useTempDir();

  it("--credentials reads an authorized_user JSON and refreshes at its token_uri", async () => {
    const tokens = await consent(emulator.current, [SEARCH]);
    const file = await writeCredentialsFile(dir.path, emulator.current, tokens.refreshToken);
    const before = emulator.current.calls.count("token");
    const result = await run(["--endpoint", emulator.current.url, "--credentials", file, "--json", "check-access"], {
      secrets: [tokens.refreshToken, emulator.current.clientSecret],
    });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({ oneTimeResources: [SEARCH], timeBasedResources: [] });
    expect(emulator.current.calls.count("token")).toBe(before + 1);
  });

  it("--verbose shows each request and response line on stderr with the token redacted", async () => {
    const { tokens, options } = await session([SEARCH]);
    const result = await run(["--endpoint", emulator.current.url, "--verbose", "check-access"], options);
    expect(result.code).toBe(0);
    const err = lines(result.stderr);
    expect(err[0]).toBe(`> POST ${emulator.current.url}/v1/accessType:check (HTTP/1.1, REST/JSON) [CheckAccessType]`);
    expect(err).toContain("> authorization: Bearer <redacted>");
    expect(err).toContain("> content-type: application/json");
    expect(err.some((line) => /^< OK in \d+ ms$/.test(line))).toBe(true);
    expect(result.stderr).not.toContain(tokens.accessToken);

    const grpc = await run(["--endpoint", emulator.current.url, "--protocol", "grpc", "--verbose", "check-access"], options);
    expect(grpc.code).toBe(0);
    expect(lines(grpc.stderr)[0]).toBe(
      `> POST ${emulator.current.url}/google.dataportability.v1.DataPortabilityService/CheckAccessType (HTTP/2, gRPC) [CheckAccessType]`,
    );
    expect(grpc.stderr).toContain("> content-type: application/grpc+proto");
  });
});
