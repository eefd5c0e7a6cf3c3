/**
 * The `dataportability` command line: its commands, global flags and exit
 * codes. `runCli` runs one command line and returns the exit code; it
 * never throws and never prints a stack trace or a token.
 *
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerEmulatorCommand } from "./commands/emulator.js";
import { registerExportCommand } from "./commands/export.js";
import { registerRpcCommands } from "./commands/rpc.js";
import { reportError } from "./error-report.js";
import { EXIT, usageError, type ExitCode } from "./exit-codes.js";
import { ACCESS_TOKEN_ENV, PROTOCOL_CHOICES } from "./global-options.js";
import type { CliIo } from "./io.js";
import { createRuntime, type CliRuntime } from "./runtime.js";

/** The help text on exit codes and the environment, shown after the main help. */
export const HELP_FOOTER = `
Credentials (first found): --credentials FILE (authorized_user JSON; "token_uri" may name the
token endpoint), the access token in ${ACCESS_TOKEN_ENV}, application default credentials.

Exit codes:
  0    ok
  1    other error
  2    usage error (unknown command or flag, bad value)
  3    auth error (no usable credentials, UNAUTHENTICATED, PERMISSION_DENIED)
  4    API error (any other status, e.g. RESOURCE_EXHAUSTED; an export job that FAILED)
  5    network error (UNAVAILABLE: refused, reset, DNS; DEADLINE_EXCEEDED)
  130  interrupted (SIGINT/SIGTERM)

Example: dataportability --dry-run reset
  curl -X POST 'https://dataportability.googleapis.com/v1/authorization:reset' -H 'Authorization: Bearer <redacted>' -H 'Content-Type: application/json' -d '{}'`;

/** Builds the command tree for one run. */
export function createProgram(runtime: CliRuntime): Command {
  const { io } = runtime;
  const program = new Command("dataportability")
    .description(
      "Google Data Portability API from the command line: one proto contract, typed calls over REST, gRPC, " +
        "gRPC-web or Connect, and a local emulator.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for the command")
    .addOption(
      new Option("--protocol <protocol>", "wire protocol").choices([...PROTOCOL_CHOICES]).default("rest"),
    )
    .option("--endpoint <url>", "API base URL (default https://dataportability.googleapis.com)")
    .option("--emulator", "start an embedded emulator, consent a demo grant (every group) and use it")
    .option("--credentials <file>", "authorized_user JSON file (default: application default credentials)")
    .option("--quota-project <id>", "project for quota and billing (x-goog-user-project)")
    .option("--json", "machine-readable output: one JSON document on stdout, errors as JSON on stderr")
    .option("--dry-run", "print the REST request as one curl command (token redacted) and send nothing")
    .option("--verbose", "print each HTTP request and response line to stderr (tokens redacted)")
    .option("--timeout <duration>", "deadline of each call, e.g. 30s, 500ms, 2m (default 60s)")
    .option("--max-attempts <n>", "attempts per call when the API is unavailable (1-10, default 5)")
    .addHelpText("after", HELP_FOOTER)
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // Errors are printed by runCli, in text or JSON.
      outputError: () => {},
    });
  registerRpcCommands(program, runtime);
  registerExportCommand(program, runtime);
  registerEmulatorCommand(program, runtime);
  registerDemoCommand(program, runtime);
  return program;
}

/** Whether the command line asks for JSON output (read before parsing, for early errors). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/**
 * Runs one command line (`argv` without `node` and the script) and returns
 * its exit code (see `EXIT`). Output goes to `io`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const runtime = createRuntime(io);
  const json = wantsJson(argv);
  try {
    const program = createProgram(runtime);
    await program.parseAsync([...argv], { from: "user" });
    return runtime.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT.ok; // --help, --version
      if (e.code === "commander.help" || e.code === "commander.helpDisplayed") return EXIT.usage; // help shown for a missing command
      const message = e.message.replace(/^error:\s*/i, "");
      return reportError(io.stderr, usageError(message, "see dataportability --help"), { json, secrets: runtime.secrets });
    }
    return reportError(io.stderr, e, { json, secrets: runtime.secrets });
  }
}
