/**
 * Runs the emulator from the command line until Ctrl-C:
 *
 *   npx tsx src/emulator/main.ts --port 8787 [--host 127.0.0.1] [--job-duration-ms 5000]
 *
 * This file is an entry point (it starts a server when loaded); import
 * `runEmulator` from the package instead.
 */
import { parseArgs } from "node:util";
import { runEmulator } from "./run.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    host: { type: "string", default: "127.0.0.1" },
    "job-duration-ms": { type: "string" },
  },
});

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) {
    console.error(`--${name} needs a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return Number(text);
}

await runEmulator({
  port: integer("port", values.port),
  host: values.host,
  jobDurationMs: integer("job-duration-ms", values["job-duration-ms"]),
});
