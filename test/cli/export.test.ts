/**
 * `export` (text and --json, with the guarded reset), the `emulator`
 * command (runs until SIGTERM / SIGINT, closes cleanly), and the global
 * --emulator flag, as child processes.
 */
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDataPortabilityClient } from "../../src/client/index.js";
import { DEFAULT_SETTINGS } from "../../src/emulator/index.js";
import { CLI, consent, json, lines, ROOT, run, tempDir, tokenEnv, useEmulator, useTempDir } from "./support.js";

const SEARCH = "myactivity.search";
const HISTORY = "chrome.history";

describe("export against an emulator", () => {
  const emulator = useEmulator();
  const dir = useTempDir();
  afterEach(() => {
    emulator.current.configure(DEFAULT_SETTINGS);
  });

  it("text: progress lines on stderr, one archive per group, then the reset; the old token is refused", async () => {
    emulator.current.configure({ jobDurationMs: 0 });
    const tokens = await consent(emulator.current, [SEARCH, HISTORY]);
    const out = join(dir.path, "text");
    const options = { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken] };
    const resetsBefore = emulator.current.calls.count("ResetAuthorization");
    const result = await run(
      ["--endpoint", emulator.current.url, "export", SEARCH, HISTORY, "--out", out, "--poll-interval", "20ms"],
      options,
    );
    expect(result.code).toBe(0);
    const err = lines(result.stderr);
    expect(err[0]).toBe(`checking access to ${SEARCH}, ${HISTORY}`);
    expect(err.filter((line) => line.startsWith("initiated job "))).toHaveLength(2);
    expect(err.filter((line) => line.startsWith("downloaded "))).toHaveLength(2);
    // The reset comes after every download.
    const resetAt = err.indexOf("authorization reset: every job done and downloaded");
    expect(resetAt).toBeGreaterThan(err.findLastIndex((line) => line.startsWith("downloaded ")));
    expect(err.at(-1)).toBe("done: 2 job(s), authorization reset");

    const files = (await readdir(out)).sort();
    expect(files).toHaveLength(2);
    for (const file of files) expect((await stat(join(out, file))).size).toBeGreaterThan(0);
    const report = lines(result.stdout);
    expect(report.at(-1)).toBe("Authorization reset: every job was done and downloaded, so the tokens are now revoked.");
    expect(report.filter((line) => / \((myactivity\.search|chrome\.history)\): COMPLETE$/.test(line))).toHaveLength(2);
    expect(emulator.current.calls.count("ResetAuthorization")).toBe(resetsBefore + 1);

    const refused = await run(["--endpoint", emulator.current.url, "check-access"], options);
    expect(refused.code).toBe(3);
  });

  it("--json over gRPC with --no-reset: one JSON document, consent kept", async () => {
    emulator.current.configure({ jobDurationMs: 0 });
    const tokens = await consent(emulator.current, [SEARCH]);
    const out = join(dir.path, "json");
    const options = { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken] };
    const result = await run(
      ["--endpoint", emulator.current.url, "--protocol", "grpc", "--json", "export", SEARCH, "--out", out, "--poll-interval", "20ms", "--no-reset"],
      options,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const doc = json(result.stdout) as { jobs: { jobId: string; state: string; downloaded: boolean; files: { path: string; bytes: number }[] }[]; reset: boolean };
    expect(doc.reset).toBe(false);
    expect(doc.jobs).toHaveLength(1);
    expect(doc.jobs[0]).toMatchObject({ state: "COMPLETE", downloaded: true });
    expect((await stat(doc.jobs[0]!.files[0]!.path)).size).toBe(doc.jobs[0]!.files[0]!.bytes);
    const still = await run(["--endpoint", emulator.current.url, "check-access"], options);
    expect(still.code).toBe(0);
  });

  it("a job that ends FAILED exits 4 and keeps the authorization", async () => {
    emulator.current.configure({ jobDurationMs: 0, jobOutcome: "fail" });
    const tokens = await consent(emulator.current, [SEARCH]);
    const options = { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken] };
    const resetsBefore = emulator.current.calls.count("ResetAuthorization");
    const result = await run(
      ["--endpoint", emulator.current.url, "export", SEARCH, "--out", join(dir.path, "failed"), "--poll-interval", "20ms"],
      options,
    );
    expect(result.code).toBe(4);
    expect(result.stdout).toContain("Authorization kept: not every job was done and downloaded.");
    expect(lines(result.stderr).at(-1)).toMatch(/^error: job\(s\) ended without an archive: \S+ FAILED \(authorization kept for a retry\)$/);
    expect(emulator.current.calls.count("ResetAuthorization")).toBe(resetsBefore);
  });
});

describe("interrupting export", () => {
  const emulator = useEmulator();
  const dir = useTempDir();

  it("SIGINT while waiting between polls exits 130; the job keeps running and the consent is kept", async () => {
    const tokens = await consent(emulator.current, [SEARCH]);
    const options = { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken] };
    let signalled = false;
    const result = await run(
      ["--endpoint", emulator.current.url, "export", SEARCH, "--out", join(dir.path, "interrupted"), "--poll-interval", "1h"],
      {
        ...options,
        onOutput: (child, { stderr }) => {
          if (!signalled && stderr.includes("next poll in 1 h")) {
            signalled = true;
            child.kill("SIGINT");
          }
        },
      },
    );
    expect(signalled).toBe(true);
    expect(result.code).toBe(130);
    const err = lines(result.stderr);
    expect(err.at(-2)).toMatch(/^error: export was aborted while job\(s\) \S+ were still running/);
    expect(err.at(-1)).toBe("hint: interrupted: jobs already started keep running on the server; run the same export again to resume them");
    const jobs = emulator.current.jobs.list().filter((job) => job.user === tokens.user);
    expect(jobs.map((job) => job.state)).toEqual(["IN_PROGRESS"]);
    expect(emulator.current.calls.count("ResetAuthorization")).toBe(0);
  });
});

describe("the global --emulator flag", () => {
  it("check-access and export run against an embedded emulator with a demo consent", async () => {
    const access = await run(["--emulator", "--json", "check-access"]);
    expect(access.code).toBe(0);
    const groups = json(access.stdout) as { oneTimeResources: string[] };
    expect(groups.oneTimeResources).toContain(SEARCH);

    const dir = await tempDir();
    try {
      const result = await run(["--emulator", "--protocol", "grpc", "--json", "export", SEARCH, "--out", dir.path]);
      expect(result.code).toBe(0);
      const doc = json(result.stdout) as { jobs: { state: string }[]; reset: boolean };
      expect(doc).toMatchObject({ jobs: [{ state: "COMPLETE" }], reset: true });
      expect(await readdir(dir.path)).toHaveLength(1);
    } finally {
      await dir.remove();
    }
  });
});

/** Starts `dataportability emulator …` and resolves with the child and its first stdout line. */
function startEmulatorCommand(args: readonly string[]) {
  const child = spawn(CLI[0], [...CLI.slice(1), "emulator", "--port", "0", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const firstLine = new Promise<string>((resolve, reject) => {
    const check = () => {
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve(stdout.slice(0, end));
    };
    child.stdout.on("data", check);
    child.on("close", () => reject(new Error(`emulator exited early: ${stdout}${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, firstLine, exited };
}

describe("the emulator command", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("prints its URL, serves calls, and on %s closes and exits 0", async (signal) => {
    const { child, firstLine, exited } = startEmulatorCommand([]);
    const line = await firstLine;
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+) /.exec(line)?.[1];
    expect(url).toBeDefined();
    // Consent through the admin route, then a typed call against it.
    const consentRes = await fetch(`${url}/emulator/v1/consent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ resources: [SEARCH] }),
    });
    expect(consentRes.status).toBe(200);
    const { accessToken } = (await consentRes.json()) as { accessToken: string };
    const client = createDataPortabilityClient({ protocol: "grpc", baseUrl: url!, auth: accessToken });
    expect((await client.checkAccessType({})).oneTimeResources).toEqual([SEARCH]);

    child.kill(signal);
    const { code, stdout } = await exited;
    expect(code).toBe(0);
    expect(lines(stdout).at(-1)).toBe("Data Portability emulator stopped");
    await expect(fetch(`${url}/emulator/v1/state`)).rejects.toThrow();
  });

  it("--json prints one JSON line with the URLs and OAuth client", async () => {
    const { child, firstLine, exited } = startEmulatorCommand(["--json"]);
    const info = JSON.parse(await firstLine) as { url: string; tokenUrl: string; clientId: string };
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.tokenUrl).toBe(`${info.url}/token`);
    child.kill("SIGTERM");
    const { code, stdout } = await exited;
    expect(code).toBe(0);
    expect(lines(stdout)).toHaveLength(1);
  });
});
