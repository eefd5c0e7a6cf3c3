/**
 * An emulator in a child process, driven through its admin routes
 * (`/emulator/v1/…`). The test process then holds only client resources, so
 * handle, socket and heap accounting measure the client alone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { resolve } from "node:path";
import type { ConsentRequest, ConsentTokens, EmulatorOptions, EmulatorSettings, Fault } from "../../../src/emulator/index.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const ENTRY = resolve(import.meta.dirname, "emulator-child.ts");

/** A running emulator in another process. */
export interface RemoteEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** OAuth token endpoint. */
  readonly tokenUrl: string;
  /** OAuth revocation endpoint. */
  readonly revokeUrl: string;
  /** OAuth client id the token endpoint accepts. */
  readonly clientId: string;
  /** OAuth client secret the token endpoint accepts. */
  readonly clientSecret: string;
  /** Fault injection (PUT / DELETE `/emulator/v1/faults`). */
  readonly faults: {
    set(method: string, fault: Fault): Promise<void>;
    clear(method?: string): Promise<void>;
  };
  /** Call counts (`/emulator/v1/calls`). */
  readonly calls: {
    count(method: string): Promise<number>;
    all(): Promise<Record<string, number>>;
    reset(): Promise<void>;
  };
  /** The virtual clock. */
  readonly clock: { advance(ms: number): Promise<void> };
  /** Records a consent and returns its tokens. */
  consent(request: ConsentRequest): Promise<ConsentTokens>;
  /** Changes settings (JSON-serialisable ones only). */
  configure(patch: Partial<Omit<EmulatorSettings, "jobOutcome">> & { jobOutcome?: "complete" | "fail" }): Promise<void>;
  /** Stops the child process; resolves once it exited. Idempotent. */
  close(): Promise<void>;
}

interface ChildInfo {
  url: string;
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * One admin request on a fresh connection (no agent, `Connection: close`);
 * resolves with the parsed JSON once the response ended and the socket closed.
 */
function admin(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolvePromise, reject) => {
    const req = request(`${base}/emulator/v1/${path}`, {
      method,
      agent: false,
      headers: {
        connection: "close",
        ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(payload.length) }),
      },
      timeout: 10_000,
    });
    req.on("timeout", () => req.destroy(new Error(`admin ${method} ${path} timed out`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const done = () => {
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`admin ${method} ${path}: HTTP ${res.statusCode} ${text}`));
          else resolvePromise(text === "" ? undefined : JSON.parse(text));
        };
        const socket = req.socket;
        if (socket === null || socket.destroyed) done();
        else socket.once("close", done);
      });
    });
    req.end(payload);
  });
}

function waitForInfo(child: ChildProcess): Promise<ChildInfo> {
  return new Promise((resolvePromise, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(new Error(`the emulator process did not start within 20 s: ${err}`)), 20_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(e);
    };
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk;
    });
    child.stdout!.setEncoding("utf8").on("data", function onData(chunk: string) {
      out += chunk;
      const newline = out.indexOf("\n");
      if (newline < 0) return;
      child.stdout!.off("data", onData);
      child.stdout!.resume();
      clearTimeout(timer);
      try {
        resolvePromise(JSON.parse(out.slice(0, newline)) as ChildInfo);
      } catch (e) {
        fail(e as Error);
      }
    });
    child.once("exit", (code) => fail(new Error(`the emulator process exited with ${code}: ${err}`)));
  });
}

/** Starts an emulator in a child process (loopback, free port). */
export async function startRemoteEmulator(options: Omit<EmulatorOptions, "jobOutcome" | "host" | "port"> = {}): Promise<RemoteEmulator> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const exited = new Promise<void>((resolvePromise) => child.once("exit", () => resolvePromise()));
  const info = await waitForInfo(child);
  const base = info.url;
  let closing: Promise<void> | undefined;
  return {
    ...info,
    faults: {
      set: async (method, fault) => void (await admin(base, "PUT", `faults/${encodeURIComponent(method)}`, fault)),
      clear: async (method) => void (await admin(base, "DELETE", method === undefined ? "faults" : `faults/${encodeURIComponent(method)}`)),
    },
    calls: {
      count: async (method) => ((await admin(base, "GET", "calls")) as Record<string, number>)[method] ?? 0,
      all: async () => (await admin(base, "GET", "calls")) as Record<string, number>,
      reset: async () => void (await admin(base, "DELETE", "calls")),
    },
    clock: { advance: async (ms) => void (await admin(base, "POST", "clock:advance", { ms })) },
    consent: async (req) => (await admin(base, "POST", "consent", req)) as ConsentTokens,
    configure: async (patch) => void (await admin(base, "PATCH", "settings", patch)),
    close() {
      if (closing === undefined) {
        child.stdin!.end();
        const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        closing = exited.then(() => clearTimeout(killer));
      }
      return closing;
    },
  };
}
