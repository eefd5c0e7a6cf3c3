/**
 * No access token, refresh token or client secret appears in anything the
 * CLI prints — `--verbose` request/response lines, `--dry-run` output,
 * `--json` documents, error messages — whether the credential came from the
 * environment, a credentials file (refreshed at the emulator's token
 * endpoint, so the CLI holds tokens this test never saw) or the embedded
 * emulator. The CLI runs as a child process against a loopback emulator.
 * Besides the known values, every emulator-shaped token (`ya29.emu-…`,
 * `1//emu-…`) is searched for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { run, tempDir, tokenEnv, writeCredentialsFile, type CliRun } from "../cli/support.js";

/** Shapes of the emulator's tokens (`randomSecret("ya29.emu-")`, `randomSecret("1//emu-")`). */
const TOKEN_SHAPES = [/ya29\.emu-[A-Za-z0-9_-]{8}/, /1\/\/emu-[A-Za-z0-9_-]{8}/];

let emulator: Emulator;
let accessToken: string;
let refreshToken: string;
let dir: Awaited<ReturnType<typeof tempDir>>;
let secrets: string[];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  ({ accessToken, refreshToken } = await emulator.consent({ user: "cli-secrets@example.com", resources: ["myactivity.search"] }));
  secrets = [accessToken, refreshToken, emulator.clientSecret];
  dir = await tempDir("dpc-security-");
});
afterAll(async () => {
  await emulator.close();
  await dir.remove();
});

function expectClean(result: CliRun): void {
  for (const stream of [result.stdout, result.stderr]) {
    for (const secret of secrets) expect(stream).not.toContain(secret);
    for (const shape of TOKEN_SHAPES) expect(stream).not.toMatch(shape);
    expect(stream).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  }
}

describe("the CLI never prints a credential", () => {
  it("--verbose over REST and gRPC: request and response lines, token redacted", async () => {
    const env = tokenEnv(accessToken);
    for (const protocol of ["rest", "grpc"]) {
      const result = await run(["--endpoint", emulator.url, "--protocol", protocol, "--verbose", "check-access"], { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/authorization: Bearer <redacted>/i);
      expectClean(result);
    }
  });

  it("--verbose on an API error and --json error documents", async () => {
    const env = tokenEnv(accessToken);
    const notFound = await run(["--endpoint", emulator.url, "--verbose", "state", "424242"], { env });
    expect(notFound.code).toBe(4);
    expectClean(notFound);
    const asJson = await run(["--endpoint", emulator.url, "--json", "--protocol", "connect", "state", "424242"], { env });
    expect(asJson.code).toBe(4);
    expectClean(asJson);
  });

  it("a refused (unknown) token: the error names the problem, not the token", async () => {
    const bogus = "ya29.emu-" + "x".repeat(43);
    secrets.push(bogus);
    const result = await run(["--endpoint", emulator.url, "--verbose", "check-access"], { env: tokenEnv(bogus) });
    expect(result.code).toBe(3);
    expectClean(result);
  });

  it("--dry-run prints the request with the token redacted", async () => {
    const env = tokenEnv(accessToken);
    const text = await run(["--endpoint", emulator.url, "--dry-run", "initiate", "myactivity.search"], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("Bearer <redacted>");
    expectClean(text);
    const json = await run(["--endpoint", emulator.url, "--dry-run", "--json", "reset"], { env });
    expect(json.code).toBe(0);
    expectClean(json);
  });

  it("a credentials file: the refresh token, client secret and refreshed tokens stay hidden", async () => {
    const file = await writeCredentialsFile(dir.path, emulator, refreshToken);
    const ok = await run(["--endpoint", emulator.url, "--credentials", file, "--verbose", "check-access"]);
    expect(ok.code, ok.stderr).toBe(0);
    expectClean(ok);
    // A revoked refresh token: the token endpoint's refusal is reported without it.
    const revoked = await emulator.consent({ user: "cli-revoked@example.com", resources: ["myactivity.search"] });
    secrets.push(revoked.refreshToken, revoked.accessToken);
    const revokedFile = await writeCredentialsFile(dir.path, emulator, revoked.refreshToken);
    const reset = await run(["--endpoint", emulator.url, "reset"], { env: tokenEnv(revoked.accessToken) });
    expect(reset.code, reset.stderr).toBe(0);
    const refused = await run(["--endpoint", emulator.url, "--credentials", revokedFile, "--verbose", "--json", "check-access"]);
    expect(refused.code).toBe(3);
    expectClean(refused);
  });

  it("the embedded emulator: tokens the CLI made itself never show", async () => {
    const result = await run(["--emulator", "--verbose", "export", "myactivity.search", "--out", dir.path]);
    expect(result.code, result.stderr).toBe(0);
    expectClean(result);
  });
});
