/**
 * Printing results: proto3 JSON with `--json`, readable lines otherwise.
 *
 * @module
 */

import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { writeLine, type CliIo } from "./io.js";
import { redactSecrets } from "./redact.js";

/** Prints one JSON document (one line) on stdout. */
export function printJson(io: CliIo, value: unknown, secrets: Iterable<string> = []): void {
  writeLine(io.stdout, redactSecrets(JSON.stringify(value), secrets));
}

/** Prints a response message as proto3 JSON (every field, defaults included) on stdout. */
export function printMessageJson<D extends DescMessage>(
  io: CliIo,
  schema: D,
  message: MessageShape<D>,
  secrets: Iterable<string> = [],
): void {
  printJson(io, toJson(schema, message, { alwaysEmitImplicit: true }), secrets);
}

/** Prints text lines on stdout. */
export function printLines(io: CliIo, lines: readonly string[], secrets: Iterable<string> = []): void {
  for (const line of lines) writeLine(io.stdout, redactSecrets(line, secrets));
}

/** `a, b` or `(none)`. */
export function listOrNone(items: readonly string[]): string {
  return items.length === 0 ? "(none)" : items.join(", ");
}

/** A duration for people: `500 ms`, `30 s`, `5 min`, `7.5 min`, `2 h`. */
export function formatDuration(ms: number): string {
  const round = (n: number) => String(Math.round(n * 10) / 10);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000)} min`;
  return `${round(ms / 3_600_000)} h`;
}
