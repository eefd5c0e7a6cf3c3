import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "dpc-pack-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm pack", () => {
  it("the tarball installs into an empty project and imports there", () => {
    execFileSync("npm", ["pack", "--pack-destination", work, "--silent"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--omit=dev", join(work, tarball!)],
      { cwd: app, stdio: ["ignore", "pipe", "inherit"] },
    );
    const script = `
      import * as dp from "dataportability-connect";
      console.log(JSON.stringify({
        service: dp.DataPortabilityService.typeName,
        methods: dp.DataPortabilityService.methods.length,
        scopes: dp.SEED_SCOPES.length,
        errorInfo: dp.ErrorInfoSchema.typeName,
      }));
    `;
    const out = execFileSync("node", ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      service: "google.dataportability.v1.DataPortabilityService",
      methods: 6,
      scopes: 63,
      errorInfo: "google.rpc.ErrorInfo",
    });

    // Importing the root stays cheap: record every module the import resolves
    // (module customization hooks) and check nothing heavy is among them.
    const log = join(work, "resolved.log");
    writeFileSync(
      join(app, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";
       export async function resolve(specifier, context, next) {
         const result = await next(specifier, context);
         appendFileSync(${JSON.stringify(log)}, result.url + "\\n");
         return result;
       }`,
    );
    writeFileSync(
      join(app, "register.mjs"),
      `import { register } from "node:module"; register("./hooks.mjs", import.meta.url);`,
    );
    execFileSync("node", ["--import", "./register.mjs", "--input-type=module", "-e", 'await import("dataportability-connect");'], {
      cwd: app,
    });
    const resolved = readFileSync(log, "utf8").split("\n").filter(Boolean);
    expect(resolved.some((url) => url.includes("/dataportability-connect/dist/bundle/index.js"))).toBe(true);
    for (const heavy of [
      "/@connectrpc/connect-node/",
      "/google-auth-library/",
      "/gaxios/",
      "/dist/bundle/emulator/",
      "/dist/bundle/cli/",
      "/fflate/",
      "/commander/",
    ]) {
      expect(resolved.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }

    // The package ships the bundle and the declarations, not tsc's .js files.
    const installed = join(app, "node_modules/dataportability-connect");
    expect(readdirSync(join(installed, "dist/src")).filter((f) => f.endsWith(".js"))).toEqual([]);
    expect(readdirSync(join(installed, "dist/src"))).toContain("index.d.ts");

    // The root and "./emulator" bundles share their code (one module
    // instance): a client from the root talks to the emulator, and its errors
    // are the ConnectErrors of the app's own @connectrpc/connect.
    const e2e = `
      import { Code, ConnectError } from "@connectrpc/connect";
      import { createDataPortabilityClient } from "dataportability-connect";
      import { startEmulator } from "dataportability-connect/emulator";
      const emulator = await startEmulator({ port: 0 });
      try {
        const { accessToken } = await emulator.consent({ user: "pack@example.com", resources: ["myactivity.search"] });
        const out = {};
        for (const protocol of ["rest", "grpc"]) {
          const client = createDataPortabilityClient({ protocol, baseUrl: emulator.url, auth: accessToken, retry: false });
          const access = await client.checkAccessType({});
          let refused;
          try {
            await createDataPortabilityClient({ protocol, baseUrl: emulator.url, auth: "ya29.unknown", retry: false }).checkAccessType({});
          } catch (err) {
            refused = { isConnectError: err instanceof ConnectError, unauthenticated: err.code === Code.Unauthenticated };
          }
          out[protocol] = { oneTime: access.oneTimeResources, refused };
        }
        console.log(JSON.stringify(out));
      } finally {
        await emulator.close();
      }
    `;
    const e2eOut = execFileSync("node", ["--input-type=module", "-e", e2e], { cwd: app, encoding: "utf8", timeout: 60_000 });
    const expected = { oneTime: ["myactivity.search"], refused: { isConnectError: true, unauthenticated: true } };
    expect(JSON.parse(e2eOut)).toEqual({ rest: expected, grpc: expected });

    // The installed bin runs the bundled CLI.
    const help = execFileSync(join(app, "node_modules/.bin/dataportability"), ["--help"], { cwd: app, encoding: "utf8" });
    expect(help).toContain("reset");
    expect(help).toContain("export");
  }, 180_000);
});
