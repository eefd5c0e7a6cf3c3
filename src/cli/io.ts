/**
 * Where the CLI reads its environment and writes its output, so that the
 * commands can be run in-process as well as from `main.ts`.
 *
 * @module
 */

/** A stream the CLI writes to (process.stdout / process.stderr fit). */
export interface CliStream {
  write(text: string): unknown;
  /** True on a terminal: the export progress bar is drawn only there. */
  readonly isTTY?: boolean;
}

/** The CLI's view of its process. */
export interface CliIo {
  /** Command output (results, `--json` documents, `--dry-run` lines). */
  readonly stdout: CliStream;
  /** Diagnostics: errors, progress, `--verbose` request/response lines. */
  readonly stderr: CliStream;
  /** Environment variables (`DATAPORTABILITY_ACCESS_TOKEN`, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT / SIGTERM: long commands (export, emulator) stop cleanly. */
  readonly signal?: AbortSignal;
}

/** Writes `line` and a newline to `stream`. */
export function writeLine(stream: CliStream, line: string): void {
  stream.write(line + "\n");
}

/** The io of the running process. */
export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, ...(signal ? { signal } : {}) };
}
