/**
 * Loads this project's build output the way a user's code runs it: the
 * package root's bundle (`<dist>/bundle/index.js`, what `import
 * "dataportability-connect"` resolves to), not TypeScript sources.
 * Types come from the sources, the code from the build.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Unavailable, type BenchEnv } from "../types.js";

/** The package root module of this project. */
export type ProjectModule = typeof import("../../src/index.js");
/** The generated Data Portability service module. */
export type GenModule = typeof import("../../gen/google/dataportability/v1/dataportability_pb.js");

/** Imports `<dist>/bundle/index.js`. */
export async function loadProject(env: BenchEnv): Promise<ProjectModule> {
  return (await import(pathToFileURL(join(env.dist, "bundle/index.js")).href)) as ProjectModule;
}

/** Imports the generated service from `<dist>/gen`, the same objects the project's build uses. */
export async function loadGen(env: BenchEnv): Promise<GenModule> {
  const file = join(env.dist, "gen/google/dataportability/v1/dataportability_pb.js");
  return (await import(pathToFileURL(file).href)) as GenModule;
}

/** Throws `Unavailable` unless the module exports a function under `name`. */
export function requireFunction(mod: object, name: string): void {
  if (typeof (mod as Record<string, unknown>)[name] !== "function") {
    throw new Unavailable(`${name} is not exported by the build yet`);
  }
}
