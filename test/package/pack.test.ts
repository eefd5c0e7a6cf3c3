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
    expect(resolved.some((url) => url.includes("/dataportability-connect/dist/src/index.js"))).toBe(true);
    for (const heavy of ["/@connectrpc/connect-node/", "/google-auth-library/", "/gaxios/", "/dist/src/emulator/", "/fflate/", "/commander/"]) {
      expect(resolved.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }
  }, 180_000);
});
