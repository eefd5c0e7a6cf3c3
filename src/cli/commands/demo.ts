/**
 * `demo`: the guided tour on an embedded emulator (what `npm start` runs).
 *
 * @module
 */

import type { Command } from "commander";
import { runDemo } from "../demo.js";
import { EXIT, usageError, type ExitCode } from "../exit-codes.js";
import type { GlobalOptions } from "../global-options.js";
import { writeLine } from "../io.js";
import { printJson } from "../output.js";
import { action, type CliRuntime } from "../runtime.js";

async function runDemoCommand(runtime: CliRuntime, globals: GlobalOptions): Promise<ExitCode> {
  if (globals.endpoint !== undefined || globals.credentials !== undefined || globals.dryRun) {
    throw usageError("demo runs on its own embedded emulator: it takes none of --endpoint, --credentials, --dry-run");
  }
  const io = runtime.io;
  const report = await runDemo((line) => {
    if (!globals.json) writeLine(io.stdout, line);
  });
  if (globals.json) printJson(io, report);
  if (report.ok) return EXIT.ok;
  writeLine(io.stderr, "error: the demo did not go as the API promises (see above)");
  return EXIT.other;
}

/** Adds `demo` to `program`. */
export function registerDemoCommand(program: Command, runtime: CliRuntime): void {
  program
    .command("demo")
    .summary("the whole flow over REST and gRPC on an embedded emulator (npm start)")
    .description(
      "Starts an emulator, then over REST and over gRPC: consent → check access → initiate → poll (advancing " +
        "the emulator's virtual clock) → download → reset, showing each RPC beside the HTTP request it became; " +
        "ends by showing that the revoked token is refused. No network, no credentials.",
    )
    .action(action(runtime, (globals) => runDemoCommand(runtime, globals)));
}
