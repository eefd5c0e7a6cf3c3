/**
 * Transpiles the worker and the contenders to plain JavaScript in
 * `bench/.build/` (TypeScript's `transpileModule`, no type check), so the
 * measured client processes run without the tsx loader, whose own memory
 * (tens of MB) would otherwise count against every client's RSS.
 * `bench/.build/` sits inside `bench/`, so `googleapis` and `undici` resolve
 * from `bench/node_modules` and everything else from the root.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { BENCH_DIR } from "./proc.js";

/** Folder of the transpiled worker. */
export const BUILD_DIR = join(BENCH_DIR, ".build");

const ENTRIES = ["worker.ts", "types.ts", "stats.ts"];

function sources(): string[] {
  const contenders = readdirSync(join(BENCH_DIR, "contenders"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join("contenders", f));
  return [...ENTRIES, ...contenders];
}

/** (Re)writes `bench/.build/`; returns the number of files written. */
export function buildBenchJs(): number {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const files = sources();
  for (const rel of files) {
    const file = join(BENCH_DIR, rel);
    const out = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    const target = join(BUILD_DIR, relative(BENCH_DIR, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  return files.length;
}
