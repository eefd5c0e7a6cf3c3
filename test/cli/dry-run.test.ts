/**
 * --dry-run: the documented curl line, byte for byte, built by the REST
 * encoder, and nothing sent. Also the bin entry, from source and compiled.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consent, json, ROOT, run, tempDir, tokenEnv, useEmulator } from "./support.js";

/** The documented dry-run line of `dataportability --dry-run reset` (README, --help). */
const RESET_LINE =
  "curl -X POST 'https://dataportability.googleapis.com/v1/authorization:reset' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'\n";

const emulator = useEmulator();

describe("--dry-run", () => {
  it("prints exactly the documented line for reset", async () => {
    const result = await run(["--dry-run", "reset"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(RESET_LINE);
    expect(result.stderr).toBe("");
  });

  it("sends nothing: the emulator counts no call, and the token is not printed", async () => {
    const tokens = await consent(emulator.current, ["myactivity.search"]);
    emulator.current.calls.reset();
    const options = { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken] };
    const reset = await run(["--endpoint", emulator.current.url, "--dry-run", "reset"], options);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toBe(
      `curl -X POST '${emulator.current.url}/v1/authorization:reset' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'\n`,
    );
    const exported = await run(
      ["--endpoint", emulator.current.url, "--dry-run", "export", "myactivity.search", "--out", "never-created"],
      options,
    );
    expect(exported.code).toBe(0);
    expect(exported.stdout.split("\n")).toHaveLength(3); // CheckAccessType, one initiate, final newline
    expect(emulator.current.calls.all()).toEqual({});
    expect(emulator.current.jobs.list().filter((job) => job.user === tokens.user)).toEqual([]);
  });

  it.each([
    [["state", "123"], "curl -X GET 'https://dataportability.googleapis.com/v1/archiveJobs/123/portabilityArchiveState' -H 'Authorization: Bearer <redacted>'"],
    [["state", "archiveJobs/123/portabilityArchiveState"], "curl -X GET 'https://dataportability.googleapis.com/v1/archiveJobs/123/portabilityArchiveState' -H 'Authorization: Bearer <redacted>'"],
    [["retry", "archiveJobs/7"], "curl -X POST 'https://dataportability.googleapis.com/v1/archiveJobs/7:retry' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'"],
    [["cancel", "7"], "curl -X POST 'https://dataportability.googleapis.com/v1/archiveJobs/7:cancel' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'"],
    [["check-access"], "curl -X POST 'https://dataportability.googleapis.com/v1/accessType:check' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'"],
    [
      ["initiate", "myactivity.search", "https://www.googleapis.com/auth/dataportability.chrome.history", "--start", "2024-01-01"],
      "curl -X POST 'https://dataportability.googleapis.com/v1/portabilityArchive:initiate' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{\"resources\":[\"myactivity.search\",\"chrome.history\"],\"startTime\":\"2024-01-01T00:00:00Z\"}'",
    ],
    [["retry", "it's"], "curl -X POST 'https://dataportability.googleapis.com/v1/archiveJobs/it%27s:retry' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'"],
  ])("dataportability --dry-run %j", async (args, line) => {
    const result = await run(["--dry-run", ...args]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(line + "\n");
  });

  it("with --json and --quota-project: the request as JSON beside the curl line", async () => {
    const result = await run(["--dry-run", "--json", "--quota-project", "my-project", "reset"]);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({
      request: {
        rpc: "ResetAuthorization",
        method: "POST",
        url: "https://dataportability.googleapis.com/v1/authorization:reset",
        headers: {
          Authorization: "Bearer <redacted>",
          "X-Goog-User-Project": "my-project",
          "Content-Type": "application/json",
        },
        body: "{}",
      },
      curl: "curl -X POST 'https://dataportability.googleapis.com/v1/authorization:reset' -H 'Authorization: Bearer <redacted>' -H 'X-Goog-User-Project: my-project' -H 'Content-Type: application/json' -d '{}'",
    });
  });
});

describe("the bin entry", () => {
  it("bin/dataportability.js runs the sources through tsx in a checkout", async () => {
    const result = await run(["--dry-run", "reset"], { command: [process.execPath, "bin/dataportability.js"] });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(RESET_LINE);
  });

  describe("in the published layout (dist/ only, no src/)", () => {
    let pkg: Awaited<ReturnType<typeof tempDir>>;
    beforeAll(async () => {
      pkg = await tempDir("dpc-cli-pkg-");
      await promisify(execFile)(
        process.execPath,
        [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", join(pkg.path, "dist")],
        { cwd: ROOT },
      ).catch(() => undefined); // type errors elsewhere do not stop the emit
      // The second step of `npm run build`: the bundled entry points the bin runs.
      await promisify(execFile)(process.execPath, [join(ROOT, "scripts/bundle.mjs"), join(pkg.path, "dist")], { cwd: ROOT });
      await mkdir(join(pkg.path, "bin"));
      await cp(join(ROOT, "bin/dataportability.js"), join(pkg.path, "bin/dataportability.js"));
      await writeFile(join(pkg.path, "package.json"), JSON.stringify({ name: "dataportability-connect", type: "module" }));
      await symlink(join(ROOT, "node_modules"), join(pkg.path, "node_modules"), "dir");
    }, 120_000);
    afterAll(async () => {
      await pkg.remove();
    });

    it("runs the compiled CLI: dry run, and a call against the emulator", async () => {
      const command = [process.execPath, join(pkg.path, "bin/dataportability.js")];
      const dry = await run(["--dry-run", "reset"], { command });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe(RESET_LINE);

      const tokens = await consent(emulator.current, ["chrome.history"]);
      const call = await run(["--endpoint", emulator.current.url, "--json", "check-access"], {
        command,
        env: tokenEnv(tokens.accessToken),
        secrets: [tokens.accessToken],
      });
      expect(call.code).toBe(0);
      expect(json(call.stdout)).toEqual({ oneTimeResources: ["chrome.history"], timeBasedResources: [] });
    });
  });
});
