/**
 * `emulator`: runs the local emulator until SIGINT / SIGTERM.
 *
 * @module
 */

import type { Command } from "commander";
import { parseInteger } from "../arguments.js";
import { EXIT, usageError, type ExitCode } from "../exit-codes.js";
import type { GlobalOptions } from "../global-options.js";
import { writeLine } from "../io.js";
import { printJson } from "../output.js";
import { action, type CliRuntime } from "../runtime.js";

/** Flags of `emulator`. */
interface EmulatorFlags {
  port: string;
  host: string;
  jobDurationMs?: string;
}

async function runEmulatorCommand(runtime: CliRuntime, globals: GlobalOptions, flags: EmulatorFlags): Promise<ExitCode> {
  if (globals.emulator || globals.endpoint !== undefined || globals.dryRun) {
    throw usageError("the emulator command takes none of --emulator, --endpoint, --dry-run");
  }
  const port = parseInteger("--port", flags.port, 0, 65_535);
  const jobDurationMs = flags.jobDurationMs === undefined ? undefined : parseInteger("--job-duration-ms", flags.jobDurationMs, 0, 2 ** 31);
  const { runEmulator } = await import("../../emulator/index.js");
  const io = runtime.io;
  await runEmulator({
    port,
    host: flags.host,
    ...(jobDurationMs !== undefined ? { jobDurationMs } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    log: (line) => {
      if (!globals.json) writeLine(io.stdout, line);
    },
    onListening: (emulator) => {
      if (globals.json) {
        printJson(io, {
          url: emulator.url,
          tokenUrl: emulator.tokenUrl,
          revokeUrl: emulator.revokeUrl,
          clientId: emulator.clientId,
          clientSecret: emulator.clientSecret,
        });
      }
    },
  });
  return EXIT.ok;
}

/** Adds `emulator` to `program`. */
export function registerEmulatorCommand(program: Command, runtime: CliRuntime): void {
  program
    .command("emulator")
    .summary("run the local emulator (gRPC, gRPC-web, Connect and REST on one port)")
    .description(
      "Runs the emulator of the Data Portability API, its OAuth endpoints and admin routes, prints its URL, " +
        "and runs until SIGINT or SIGTERM, then closes every connection.",
    )
    .option("--port <port>", "TCP port (0 picks a free one)", "8787")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--job-duration-ms <ms>", "virtual time a job takes (default 5000)")
    .action(action(runtime, (globals, _command, flags: EmulatorFlags) => runEmulatorCommand(runtime, globals, flags)));
}
