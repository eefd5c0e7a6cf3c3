/**
 * Exit codes and error output of the CLI as a child process: usage (2),
 * auth (3), API (4) and network (5) errors, each one readable line with the
 * API's reason, no stack trace, no token; and --help on every command.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { consent, json, lines, run, tempDir, tokenEnv, useEmulator, useTempDir, writeCredentialsFile } from "./support.js";

const SEARCH = "myactivity.search";
const emulator = useEmulator();

/** No stack frames in an output. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain("node:internal");
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("usage errors exit 2", () => {
  it.each([
    [["bogus"], /^error: unknown command 'bogus'/],
    [["state"], /^error: missing required argument 'job'/],
    [["state", "archiveJobs/1/other"], /^error: invalid job "archiveJobs\/1\/other"/],
    [["initiate"], /^error: missing required argument 'resource'/],
    [["initiate", "Not A Group"], /^error: invalid resource group "Not A Group"/],
    [["initiate", SEARCH, "--start", "yesterday"], /^error: --start "yesterday" is not a time/],
    [["initiate", SEARCH, "--start", "2024-02-01", "--end", "2024-01-01"], /^error: --start .* must be before --end/],
    [["--protocol", "soap", "reset"], /^error: option '--protocol <protocol>' argument 'soap' is invalid/],
    [["--timeout", "soon", "reset"], /^error: --timeout "soon" is not a duration/],
    [["--endpoint", "ftp://example.com", "reset"], /^error: --endpoint "ftp:\/\/example.com" must be an http\(s\) URL/],
    [["--endpoint", "http://example.com", "reset"], /^error: --endpoint http:\/\/example.com: credentials go only over https/],
    [["--emulator", "--endpoint", "https://example.com", "reset"], /^error: --emulator and --endpoint cannot be combined/],
    [["--protocol", "grpc", "--dry-run", "reset"], /^error: --dry-run prints the REST request as curl/],
    [["export", SEARCH], /^error: required option '--out <dir>' not specified/],
    [["reset", "extra"], /^error: too many arguments for 'reset'/],
  ])("dataportability %j", async (args, message) => {
    const result = await run(args, { env: tokenEnv("ya29.not-used-token") });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)[0]).toMatch(message);
    expectNoStack(result.stderr);
  });

  it("no command shows the help on stderr and exits 2", async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: dataportability [options] [command]");
  });

  it("with --json, a usage error is one JSON object on stderr", async () => {
    const result = await run(["--json", "state", "a/b"]);
    expect(result.code).toBe(2);
    expect(json(result.stderr)).toEqual({
      error: { code: "USAGE", message: 'invalid job "a/b": give a job id (e.g. 123) or archiveJobs/<id>', exitCode: 2 },
    });
  });
});

describe("--help", () => {
  it.each(["reset", "initiate", "state", "retry", "cancel", "check-access", "export", "emulator", "demo"])(
    "%s --help prints its usage and exits 0",
    async (command) => {
      const result = await run([command, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: dataportability ${command} `));
      expect(result.stderr).toBe("");
    },
  );

  it("the main help documents the exit codes and the dry-run line", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    for (const row of ["0    ok", "2    usage error", "3    auth error", "4    API error", "5    network error"]) {
      expect(result.stdout).toContain(row);
    }
    expect(result.stdout).toContain(
      "curl -X POST 'https://dataportability.googleapis.com/v1/authorization:reset' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'",
    );
  });
});

describe("auth errors exit 3", () => {
  const dir = useTempDir();

  it("an unknown token is UNAUTHENTICATED with the reason, in text and JSON", async () => {
    const token = "ya29.unknown-token-0123456789";
    const args = ["--endpoint", emulator.current.url, "check-access"];
    const text = await run(args, { env: tokenEnv(token), secrets: [token] });
    expect(text.code).toBe(3);
    expect(lines(text.stderr)[0]).toMatch(/^error: .+ \(UNAUTHENTICATED, reason: ACCESS_TOKEN_INVALID\)$/);
    expectNoStack(text.stderr);

    const asJson = await run(["--json", ...args], { env: tokenEnv(token), secrets: [token] });
    expect(asJson.code).toBe(3);
    expect(json(asJson.stderr)).toMatchObject({ error: { code: "UNAUTHENTICATED", reason: "ACCESS_TOKEN_INVALID", exitCode: 3 } });
  });

  it("a token without any dataportability scope is PERMISSION_DENIED: exit 3 with the reason", async () => {
    const tokens = await consent(emulator.current, []);
    const result = await run(["--endpoint", emulator.current.url, "check-access"], {
      env: tokenEnv(tokens.accessToken),
      secrets: [tokens.accessToken],
    });
    expect(result.code).toBe(3);
    expect(lines(result.stderr)[0]).toMatch(/^error: .+ \(PERMISSION_DENIED, reason: ACCESS_TOKEN_SCOPE_INSUFFICIENT\)$/);
  });

  it("a revoked refresh token in --credentials fails the refresh with exit 3", async () => {
    const tokens = await consent(emulator.current, [SEARCH]);
    const file = await writeCredentialsFile(dir.path, emulator.current, tokens.refreshToken);
    const reset = await run(["--endpoint", emulator.current.url, "--credentials", file, "reset"], {
      secrets: [tokens.refreshToken],
    });
    expect(reset.code).toBe(0);
    const refused = await run(["--endpoint", emulator.current.url, "--credentials", file, "check-access"], {
      secrets: [tokens.refreshToken, emulator.current.clientSecret],
    });
    expect(refused.code).toBe(3);
    expect(lines(refused.stderr)[0]).toMatch(/^error: .*\(UNAUTHENTICATED/);
    expectNoStack(refused.stderr);
  });

  it("a credentials file that is not authorized_user is refused before anything is sent", async () => {
    const before = emulator.current.calls.all();
    const result = await run(["--endpoint", emulator.current.url, "--credentials", "test/fixtures/does-not-exist.json", "reset"]);
    expect(result.code).toBe(3);
    expect(lines(result.stderr)[0]).toBe("error: cannot read credentials file test/fixtures/does-not-exist.json: it does not exist");
    expect(emulator.current.calls.all()).toEqual(before);
  });

  it("no credentials at all (no token, no ADC) exits 3 with a hint", async () => {
    const home = await tempDir("dpc-cli-home-");
    try {
      const result = await run(["--endpoint", emulator.current.url, "check-access"], {
        env: { HOME: home.path, CLOUDSDK_CONFIG: home.path },
      });
      expect(result.code).toBe(3);
      expect(lines(result.stderr)).toEqual([
        "error: no credentials: application default credentials could not be loaded",
        "hint: set DATAPORTABILITY_ACCESS_TOKEN, pass --credentials FILE (an authorized_user JSON), or run gcloud auth application-default login",
      ]);
    } finally {
      await home.remove();
    }
  });
});

describe("API errors exit 4", () => {
  it("a second export of a one-time group is RESOURCE_EXHAUSTED with its reason and a hint", async () => {
    const tokens = await consent(emulator.current, [SEARCH]);
    const options = { env: tokenEnv(tokens.accessToken), secrets: [tokens.accessToken] };
    const api = ["--endpoint", emulator.current.url];
    const first = json((await run([...api, "--json", "initiate", SEARCH], options)).stdout) as { archiveJobId: string };
    emulator.current.jobs.complete(first.archiveJobId);

    const text = await run([...api, "initiate", SEARCH], options);
    expect(text.code).toBe(4);
    const [error, hint] = lines(text.stderr);
    expect(error).toMatch(/^error: .+ \(RESOURCE_EXHAUSTED, reason: RESOURCE_EXHAUSTED_ONE_TIME\)$/);
    expect(hint).toMatch(/^hint: .*dataportability reset/);
    expectNoStack(text.stderr);

    const asJson = await run([...api, "--protocol", "grpc", "--json", "initiate", SEARCH], options);
    expect(asJson.code).toBe(4);
    expect(json(asJson.stderr)).toMatchObject({
      error: { code: "RESOURCE_EXHAUSTED", reason: "RESOURCE_EXHAUSTED_ONE_TIME", exitCode: 4 },
    });
  });

  it("a job id the API does not know is an API error (NOT_FOUND)", async () => {
    const tokens = await consent(emulator.current, [SEARCH]);
    const result = await run(["--endpoint", emulator.current.url, "state", "424242"], {
      env: tokenEnv(tokens.accessToken),
      secrets: [tokens.accessToken],
    });
    expect(result.code).toBe(4);
    expect(lines(result.stderr)[0]).toMatch(/^error: .+ \(NOT_FOUND/);
  });
});

describe("network errors exit 5", () => {
  it.each(["rest", "grpc"])("a closed port over %s is UNAVAILABLE", async (protocol) => {
    const port = await closedPort();
    const token = "ya29.token-for-a-closed-port";
    const result = await run(
      ["--endpoint", `http://127.0.0.1:${port}`, "--protocol", protocol, "--max-attempts", "1", "check-access"],
      { env: tokenEnv(token), secrets: [token] },
    );
    expect(result.code).toBe(5);
    expect(lines(result.stderr)).toEqual([
      expect.stringMatching(/^error: .*ECONNREFUSED.* \(UNAVAILABLE\)$/),
      "hint: the API could not be reached: check --endpoint and the network",
    ]);
  });

  it("a call slower than --timeout is DEADLINE_EXCEEDED: exit 5", async () => {
    const tokens = await consent(emulator.current, [SEARCH]);
    emulator.current.faults.set("CheckAccessType", { latencyMs: 5_000, times: 1 });
    try {
      const result = await run(["--endpoint", emulator.current.url, "--timeout", "300ms", "check-access"], {
        env: tokenEnv(tokens.accessToken),
        secrets: [tokens.accessToken],
      });
      expect(result.code).toBe(5);
      expect(lines(result.stderr)).toEqual([
        expect.stringMatching(/^error: .+ \(DEADLINE_EXCEEDED\)$/),
        "hint: the call ran out of time: raise --timeout",
      ]);
    } finally {
      emulator.current.faults.clear();
    }
  });

  it("retries (default 5 attempts) still end in exit 5", async () => {
    const port = await closedPort();
    const result = await run(["--json", "--endpoint", `http://127.0.0.1:${port}`, "check-access"], {
      env: tokenEnv("ya29.another-token-value"),
    });
    expect(result.code).toBe(5);
    expect(json(result.stderr)).toMatchObject({ error: { code: "UNAVAILABLE", exitCode: 5 } });
  });
});
