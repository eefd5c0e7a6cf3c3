/**
 * Shared set-up of the export tests: a real emulator on 127.0.0.1, a user's
 * consent, a client over the chosen protocol, a temp folder, and a sleep that
 * advances the emulator's virtual clock instead of waiting.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { createDataPortabilityClient } from "../../../src/client/index.js";
import type { DataPortabilityClient } from "../../../src/client/index.js";
import { startEmulator } from "../../../src/emulator/index.js";
import type { Emulator, EmulatorOptions } from "../../../src/emulator/index.js";
import type { PollBackoff, SleepFn } from "../../../src/export/index.js";

/** Small waits; the emulator's jobs take 5 000 virtual ms by default. */
export const TINY_BACKOFF: PollBackoff = { initialMs: 1_000, multiplier: 2, maxMs: 8_000 };

export interface ExportFixture {
  emulator: Emulator;
  dir: string;
  /** Consents to `resources` and returns a client holding the access token. */
  clientFor(resources: readonly string[], protocol?: "rest" | "grpc" | "connect"): Promise<{ client: DataPortabilityClient; accessToken: string }>;
  /** Advances the virtual clock instead of sleeping. */
  sleep: SleepFn;
  close(): Promise<void>;
}

export async function startExportFixture(options: EmulatorOptions = {}): Promise<ExportFixture> {
  const emulator = await startEmulator(options);
  const dir = await mkdtemp(join(tmpdir(), "dp-export-"));
  return {
    emulator,
    dir,
    async clientFor(resources, protocol = "rest") {
      const { accessToken } = await emulator.consent({ resources });
      return { client: createDataPortabilityClient({ baseUrl: emulator.url, auth: accessToken, protocol, retry: false }), accessToken };
    },
    sleep: async (ms) => {
      emulator.clock.advance(ms);
    },
    async close() {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The ConnectError a promise rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<ConnectError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}
