import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "dpc-lazy-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs `body` (ESM TypeScript, `dp` = the package root) in a fresh Node
 * process and returns the module URLs resolved before and after `mark()`.
 */
function resolvedModules(body: string): { before: string[]; after: string[] } {
  const log = join(work, `resolved-${Math.random().toString(36).slice(2)}.log`);
  const hooks = join(work, "hooks.mjs");
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";
     export async function resolve(specifier, context, next) {
       const result = await next(specifier, context);
       appendFileSync(process.env.DPC_LOG, result.url + "\\n");
       return result;
     }`,
  );
  const register = join(work, "register.mjs");
  writeFileSync(register, `import { register } from "node:module"; register(${JSON.stringify(`file://${hooks}`)});`);
  const script = join(root, "test/client", `.lazy-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(
    script,
    `import { appendFileSync } from "node:fs";
     const dp = await import("../../src/index.js");
     const mark = () => appendFileSync(process.env.DPC_LOG, "MARK\\n");
     ${body}`,
  );
  try {
    execFileSync(process.execPath, ["--import", "tsx", "--import", register, script], {
      cwd: root,
      env: { ...process.env, DPC_LOG: log },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
  } finally {
    rmSync(script, { force: true });
  }
  const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const at = lines.indexOf("MARK");
  return { before: lines.slice(0, at), after: lines.slice(at + 1) };
}

const has = (urls: string[], part: string) => urls.some((u) => u.includes(part));

describe("lazy loading", () => {
  it("connect-node loads on the first gRPC call, not when the client is created", () => {
    const { before, after } = resolvedModules(`
      const client = dp.createDataPortabilityClient({ protocol: "grpc", baseUrl: "http://127.0.0.1:9", auth: "ya29.token", retry: false, timeoutMs: 5000 });
      mark();
      await client.checkAccessType({}).catch(() => {});
    `);
    expect(has(before, "/src/client/create-client.ts")).toBe(true);
    expect(has(before, "/@connectrpc/connect-node/")).toBe(false);
    expect(has(before, "/google-auth-library/")).toBe(false);
    expect(has(after, "/@connectrpc/connect-node/")).toBe(true);
    expect(has(after, "/google-auth-library/")).toBe(false);
  }, 90_000);

  it("undici loads on the first REST call, not when the package or the client is loaded", () => {
    const { before, after } = resolvedModules(`
      const client = dp.createDataPortabilityClient({ protocol: "rest", baseUrl: "http://127.0.0.1:9", auth: "ya29.token", retry: false, timeoutMs: 5000 });
      mark();
      await client.checkAccessType({}).catch(() => {});
    `);
    expect(has(before, "/src/rest/undici-http-client.ts")).toBe(true);
    expect(has(before, "/undici/")).toBe(false);
    expect(has(after, "/undici/")).toBe(true);
    expect(has(after, "/@connectrpc/connect-node/")).toBe(false);
    expect(has(after, "/google-auth-library/")).toBe(false);
  }, 90_000);

  it("google-auth-library loads only to look up application default credentials", () => {
    const { before, after } = resolvedModules(`
      process.env.GOOGLE_APPLICATION_CREDENTIALS = "/nonexistent/adc.json";
      const client = dp.createDataPortabilityClient({ protocol: "rest", baseUrl: "http://127.0.0.1:9", retry: false });
      mark();
      await client.checkAccessType({}).catch(() => {});
    `);
    expect(has(before, "/google-auth-library/")).toBe(false);
    expect(has(after, "/google-auth-library/")).toBe(true);
    expect(has(after, "/@connectrpc/connect-node/")).toBe(false);
  }, 90_000);
});
