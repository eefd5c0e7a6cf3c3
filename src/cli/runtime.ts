/**
 * What every command action gets: the io, the secrets to redact, the
 * checked global flags, and a place for its exit code.
 *
 * @module
 */

import type { Command } from "commander";
import type { ExitCode } from "./exit-codes.js";
import { readGlobalOptions, type GlobalOptions, type RawGlobalOptions } from "./global-options.js";
import type { CliIo } from "./io.js";

/** The state of one CLI run, shared by its commands. */
export interface CliRuntime {
  /** Where output goes. */
  readonly io: CliIo;
  /** Secret values (tokens, client secrets) that every printer redacts. */
  readonly secrets: Set<string>;
  /** The exit code the run ends with (set by the command's action). */
  exitCode: ExitCode;
}

/** Creates the runtime of one run. */
export function createRuntime(io: CliIo): CliRuntime {
  return { io, secrets: new Set<string>(), exitCode: 0 };
}

/** The checked global flags of `command` (its own and its parents'). */
export function globalsOf(command: Command): GlobalOptions {
  return readGlobalOptions(command.optsWithGlobals<RawGlobalOptions>());
}

/**
 * Wraps a command action: the action gets the checked global flags and the
 * command, and returns its exit code, which is stored in the runtime.
 * Errors propagate to `runCli`, which prints them.
 */
export function action<A extends unknown[]>(
  runtime: CliRuntime,
  run: (globals: GlobalOptions, command: Command, ...args: A) => Promise<ExitCode>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = globalsOf(command);
    runtime.exitCode = await run(globals, command, ...(args.slice(0, -1) as A));
  };
}
