/**
 * Opens what an API command needs: credentials, the client (with
 * `--verbose` watching its requests), and with `--emulator` an embedded
 * emulator holding a demo consent.
 *
 * @module
 */

import { ConnectError } from "@connectrpc/connect";
import { mayCarryCredentials, type DataPortabilityAuth } from "../auth/index.js";
import { createDataPortabilityClient, DEFAULT_BASE_URL, type DataPortabilityClient } from "../client/index.js";
import type { Emulator } from "../emulator/index.js";
import type { SleepFn } from "../export/index.js";
import { resolveCredentials } from "./credentials.js";
import { CliError, EXIT, usageError } from "./exit-codes.js";
import type { GlobalOptions } from "./global-options.js";
import type { CliIo } from "./io.js";
import { createVerboseObserver } from "./verbose-log.js";
import { createWireTransport } from "./wire.js";

/** What an API command runs with. */
export interface CommandContext {
  /** The typed client. */
  readonly client: DataPortabilityClient;
  /** The API base URL in use. */
  readonly baseUrl: string;
  /** The embedded emulator (`--emulator`), if any. */
  readonly emulator: Emulator | undefined;
  /** How the export waits between polls: advances the emulator's clock with `--emulator`. */
  readonly sleep: SleepFn | undefined;
  /** Releases everything (stops the embedded emulator). */
  close(): Promise<void>;
}

/** The resource groups the `--emulator` consent grants: every group the emulator knows. */
async function startDemoEmulator(): Promise<{ emulator: Emulator; token: string }> {
  const { startEmulator, DEFAULT_RESOURCE_GROUPS } = await import("../emulator/index.js");
  const emulator = await startEmulator({ port: 0 });
  try {
    const { accessToken } = await emulator.consent({ resources: DEFAULT_RESOURCE_GROUPS });
    return { emulator, token: accessToken };
  } catch (e) {
    await emulator.close();
    throw e;
  }
}

/**
 * Opens the context of one command. Secret values found on the way (tokens,
 * client secrets) are added to `secrets`, which every printer redacts.
 */
export async function openContext(options: GlobalOptions, io: CliIo, secrets: Set<string>): Promise<CommandContext> {
  let emulator: Emulator | undefined;
  let auth: DataPortabilityAuth;
  let baseUrl: string;
  if (options.emulator) {
    const demo = await startDemoEmulator();
    emulator = demo.emulator;
    auth = demo.token;
    secrets.add(demo.token);
    baseUrl = emulator.url;
  } else {
    baseUrl = options.endpoint ?? DEFAULT_BASE_URL;
    if (!mayCarryCredentials(baseUrl)) {
      throw usageError(`--endpoint ${baseUrl}: credentials go only over https, or plain http to a loopback host`);
    }
    const resolved = await resolveCredentials(options.credentials, io.env);
    for (const s of resolved.secrets) secrets.add(s);
    auth = resolved.auth;
  }
  const close = async () => {
    await emulator?.close();
  };
  try {
    const client = createDataPortabilityClient({
      protocol: options.protocol,
      baseUrl,
      auth,
      ...(options.quotaProject !== undefined ? { quotaProject: options.quotaProject } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxAttempts !== undefined ? { retry: { maxAttempts: options.maxAttempts } } : {}),
      ...(options.verbose
        ? { transport: createWireTransport(options.protocol, baseUrl, createVerboseObserver(io.stderr, secrets)) }
        : {}),
    });
    const clock = emulator?.clock;
    const sleep: SleepFn | undefined = clock === undefined ? undefined : async (ms) => void clock.advance(ms);
    return { client, baseUrl, emulator, sleep, close };
  } catch (e) {
    await close();
    // The client refuses credentials that cannot carry end-user consent.
    if (e instanceof ConnectError) throw new CliError(EXIT.auth, e.rawMessage);
    throw e;
  }
}
