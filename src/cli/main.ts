/**
 * The `dataportability` executable: runs the command line of this process
 * and exits with its code. SIGINT / SIGTERM abort the running command
 * (exit 130; `emulator` closes cleanly and exits 0); a second signal exits
 * at once.
 *
 * This file is an entry point with side effects; import `runCli` from
 * `./program.js` to run commands in-process.
 */
import { reportError } from "./error-report.js";
import { EXIT } from "./exit-codes.js";
import { processIo } from "./io.js";
import { runCli } from "./program.js";

const controller = new AbortController();
let signals = 0;
function onSignal(signal: NodeJS.Signals): void {
  signals++;
  if (signals > 1) process.exit(EXIT.interrupted);
  controller.abort(new Error(`interrupted by ${signal}`));
  // Whatever does not stop by itself within 3 s is ended.
  setTimeout(() => process.exit(EXIT.interrupted), 3000).unref();
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

// A late failure outside the command (e.g. a connection error event) is
// still one line, never a stack trace.
function onStray(err: unknown): void {
  process.exit(reportError(process.stderr, err, { json: process.argv.includes("--json") }));
}
process.on("uncaughtException", onStray);
process.on("unhandledRejection", onStray);

const code = await runCli(process.argv.slice(2), processIo(controller.signal));
// Keep-alive connections must not hold the process open: exit once stdout is flushed.
process.stdout.write("", () => process.exit(code));
