/**
 * Entry point of an emulator running in its own process (see
 * `remote-emulator.ts`), so that the test process holds only the client's
 * sockets, timers and heap: `node --import tsx emulator-child.ts '<options json>'`.
 *
 * Prints one JSON line `{url, tokenUrl, revokeUrl, clientId, clientSecret}`
 * once listening; closes and exits when stdin ends (the parent went away or
 * closed it) or on SIGTERM.
 */
import { startEmulator, type EmulatorOptions } from "../../../src/emulator/index.js";

const options = JSON.parse(process.argv[2] ?? "{}") as EmulatorOptions;
const emulator = await startEmulator({ ...options, host: "127.0.0.1", port: 0 });
const { url, tokenUrl, revokeUrl, clientId, clientSecret } = emulator;
process.stdout.write(JSON.stringify({ url, tokenUrl, revokeUrl, clientId, clientSecret }) + "\n");

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await emulator.close();
  process.exit(0);
}
process.stdin.on("end", () => void stop());
process.stdin.on("error", () => void stop());
process.stdin.resume();
process.on("SIGTERM", () => void stop());
