#!/usr/bin/env node
// The `dataportability` executable.
//
// In the published package it runs the compiled, bundled CLI,
// dist/bundle/cli/main.js.
// In a checkout of the repository (src/ present and tsx installed) it runs
// the TypeScript sources through tsx instead, so `npx dataportability …`
// works right after `npm ci`, without a build, and never runs a stale dist/.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
const compiled = new URL("../dist/bundle/cli/main.js", import.meta.url);

async function tsxApi() {
  try {
    return await import("tsx/esm/api");
  } catch {
    return undefined;
  }
}

const tsx = existsSync(source) ? await tsxApi() : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write("dataportability: dist/bundle/cli/main.js is missing; run `npm run build` first\n");
  process.exit(1);
}
