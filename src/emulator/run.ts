/**
 * `runEmulator`: starts the emulator, prints where it listens and runs until
 * SIGINT / SIGTERM (or an abort signal), then closes cleanly. The CLI's
 * `dataportability emulator` command calls it.
 */
import { startEmulator, type Emulator } from "./server.js";
import type { EmulatorOptions } from "./options.js";

/** Options of {@link runEmulator}. */
export interface RunEmulatorOptions extends EmulatorOptions {
  /** Where lines go; default `console.log`. Never receives a token value. */
  log?: (line: string) => void;
  /** Stops the emulator when aborted (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Called once the emulator listens. */
  onListening?: (emulator: Emulator) => void;
}

/** Runs an emulator until SIGINT, SIGTERM or `signal`; resolves after it has closed. */
export async function runEmulator(options: RunEmulatorOptions = {}): Promise<void> {
  const { log = (line: string) => console.log(line), signal, onListening, ...emulatorOptions } = options;
  const emulator = await startEmulator(emulatorOptions);
  log(`Data Portability emulator listening on ${emulator.url} (gRPC, gRPC-web, Connect, REST)`);
  log(`  OAuth token endpoint: ${emulator.tokenUrl}  revoke: ${emulator.revokeUrl}`);
  log(`  OAuth client id: ${emulator.clientId}  client secret: ${emulator.clientSecret}`);
  log(`  admin: ${emulator.url}/emulator/v1/state  (POST ${emulator.url}/emulator/v1/consent to get tokens)`);
  onListening?.(emulator);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop);
  });
  await emulator.close();
  log("Data Portability emulator stopped");
}
