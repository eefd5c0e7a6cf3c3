/**
 * Helpers of the emulator tests: error assertions, archive reading, raw
 * HTTP calls and per-test sessions (a fresh user with an OAuth2Client).
 */
import { ConnectError, type Code } from "@connectrpc/connect";
import { unzipSync, strFromU8 } from "fflate";
import type { OAuth2Client } from "google-auth-library";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { ErrorInfoSchema, type ErrorInfo } from "../../gen/google/rpc/error_details_pb.js";
import {
  DEFAULT_SETTINGS,
  startEmulator,
  type ConsentRequest,
  type ConsentTokens,
  type Emulator,
  type EmulatorOptions,
} from "../../src/emulator/index.js";
import {
  createEmulatorClient,
  createEmulatorOAuthClient,
  type DataPortabilityClient,
  type ProtocolName,
} from "../support/emulator-clients.js";

/**
 * Starts an emulator for the enclosing `describe` (closed after it; faults,
 * settings and call counts reset after each test). Returns a stand-in that
 * forwards to the running emulator.
 */
export function useEmulator(options: EmulatorOptions = {}): Emulator {
  let current: Emulator | undefined;
  beforeAll(async () => {
    current = await startEmulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await current?.close();
  });
  afterEach(() => {
    current?.faults.clear();
    current?.configure(DEFAULT_SETTINGS);
    current?.calls.reset();
  });
  return new Proxy({} as Emulator, {
    get(_target, key) {
      if (current === undefined) throw new Error("the emulator is not running (use it inside tests)");
      return current[key as keyof Emulator];
    },
  });
}

/** Awaits a call that must fail with `code`; returns the ConnectError. */
export async function expectCode(call: Promise<unknown>, code: Code): Promise<ConnectError> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  expect(caught, "the call should have failed").toBeInstanceOf(ConnectError);
  const error = caught as ConnectError;
  expect(error.code, `${error.message}`).toBe(code);
  return error;
}

/** The ErrorInfo of an error, asserting it is `details[0]`. */
export function errorInfo(error: ConnectError): ErrorInfo {
  const first = error.details[0];
  expect(first, "details[0]").toBeDefined();
  expect("type" in first! ? first.type : first!.desc.typeName).toBe("google.rpc.ErrorInfo");
  const [info] = error.findDetails(ErrorInfoSchema);
  return info!;
}

/** The paths and parsed JSON of a ZIP archive. */
export function readArchive(bytes: Uint8Array): Record<string, unknown> {
  const files = unzipSync(bytes);
  return Object.fromEntries(Object.entries(files).map(([path, data]) => [path, JSON.parse(strFromU8(data))]));
}

/** A per-test user with a consent, a refresh-only OAuth2Client and a client over one protocol. */
export interface Session {
  user: string;
  project: string;
  tokens: ConsentTokens;
  oauth: OAuth2Client;
  client: DataPortabilityClient;
}

let users = 0;

/** A fresh user name. */
export function newUser(): string {
  return `user-${++users}-${process.pid}@example.com`;
}

/** Consents for a new user and builds a client that authenticates with a refreshing OAuth2Client. */
export async function newSession(
  emulator: Emulator,
  protocol: ProtocolName,
  consent: Omit<ConsentRequest, "user"> & { user?: string },
): Promise<Session> {
  const user = consent.user ?? newUser();
  const project = consent.project ?? "test-project";
  const tokens = await emulator.consent({ ...consent, user, project });
  const oauth = createEmulatorOAuthClient(emulator, tokens.refreshToken);
  const client = createEmulatorClient(protocol, emulator.url, { auth: oauth });
  return { user, project, tokens, oauth, client };
}

/** A raw HTTP/1.1 call with fetch; returns status, headers and body text. */
export async function raw(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; bytes: Uint8Array }> {
  const response = await fetch(url, init);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, text: Buffer.from(bytes).toString("utf8"), bytes };
}
