/**
 * google-auth-library is an optional peer dependency. In a fresh Node
 * process whose module resolution cannot find it (a resolve hook sends the
 * specifier to a package name that does not exist, so Node itself raises
 * ERR_MODULE_NOT_FOUND): a static access token still works, while
 * application default credentials and the CLI's credential sources fail
 * with a message saying how to install it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { googleAuthLibraryMissing, loadGoogleAuthLibrary } from "../../src/auth/google-auth-loader.js";
import { startCaptureServer, type CaptureServer } from "../rest/support/http-server.js";

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "dpc-peer-"));
let server: CaptureServer;

beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `body` (ESM TypeScript) in a Node process where google-auth-library cannot be resolved; returns its stdout JSON. */
async function withoutGoogleAuthLibrary(body: string): Promise<Record<string, unknown>> {
  const hooks = join(work, "hooks.mjs");
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
       if (specifier === "google-auth-library" || specifier.startsWith("google-auth-library/")) {
         return next("google-auth-library-is-not-installed-here", context);
       }
       return next(specifier, context);
     }`,
  );
  const register = join(work, "register.mjs");
  writeFileSync(register, `import { register } from "node:module"; register(${JSON.stringify(`file://${hooks}`)});`);
  const script = join(root, "test/auth", `.peer-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(script, body);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--import", register, script], {
      cwd: root,
      env: { ...process.env, GOOGLE_APPLICATION_CREDENTIALS: join(work, "no-adc.json") },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    rmSync(script, { force: true });
  }
}

describe("without google-auth-library installed", () => {
  it("a static token works; ADC and the CLI's credential sources say how to install it", async () => {
    const out = await withoutGoogleAuthLibrary(`
      const dp = await import("../../src/index.js");
      const cli = await import("../../src/cli/credentials.js");
      const settle = (p) => p.then(() => ({ ok: true }), (e) => ({ name: e?.name, code: e?.code, message: e?.message, hint: e?.hint, exitCode: e?.exitCode, causeCode: e?.cause?.code }));
      const result = {};
      result.direct = await settle(import("google-auth-library"));
      const token = dp.createDataPortabilityClient({ baseUrl: ${JSON.stringify(server.url)}, auth: "ya29.static-token", retry: false });
      result.token = await settle(token.resetAuthorization({}));
      const adc = dp.createDataPortabilityClient({ baseUrl: ${JSON.stringify(server.url)}, retry: false });
      result.adc = await settle(adc.checkAccessType({}));
      result.cliAdc = await settle(cli.resolveCredentials(undefined, {}));
      result.cliToken = await settle(cli.resolveCredentials(undefined, { DATAPORTABILITY_ACCESS_TOKEN: "ya29.cli-token" }));
      process.stdout.write(JSON.stringify(result));
    `);
    expect(out["direct"]).toMatchObject({ code: "ERR_MODULE_NOT_FOUND" });
    expect(out["token"]).toEqual({ ok: true });
    expect(server.requests.map((r) => r.headers["authorization"])).toEqual(["Bearer ya29.static-token"]);
    expect(out["adc"]).toMatchObject({ name: "ConnectError", code: Code.FailedPrecondition, causeCode: "ERR_MODULE_NOT_FOUND" });
    expect(out["adc"]).toHaveProperty(
      "message",
      expect.stringContaining(
        "install google-auth-library (npm install google-auth-library) to use application default credentials",
      ),
    );
    expect(out["cliAdc"]).toMatchObject({ name: "CliError", exitCode: 3 });
    expect(out["cliAdc"]).toHaveProperty("message", expect.stringContaining("npm install google-auth-library"));
    expect(out["cliAdc"]).toHaveProperty("hint", expect.stringContaining("DATAPORTABILITY_ACCESS_TOKEN"));
    expect(out["cliToken"]).toEqual({ ok: true });
    // The ADC attempt sent nothing.
    expect(server.requests).toHaveLength(1);
  }, 90_000);
});

describe("loadGoogleAuthLibrary", () => {
  it("returns the module when it is installed", async () => {
    const lib = await loadGoogleAuthLibrary("application default credentials");
    expect(typeof lib.GoogleAuth).toBe("function");
  });

  it("passes other load failures through unchanged", async () => {
    const broken = new SyntaxError("Unexpected token");
    await expect(loadGoogleAuthLibrary("x", () => Promise.reject(broken))).rejects.toBe(broken);
  });

  it("names the purpose and keeps the cause", () => {
    const cause = Object.assign(new Error("Cannot find package 'google-auth-library'"), { code: "ERR_MODULE_NOT_FOUND" });
    const err = googleAuthLibraryMissing("an OAuth2Client", cause);
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toContain("npm install google-auth-library) to use an OAuth2Client");
    expect(err.cause).toBe(cause);
  });
});
