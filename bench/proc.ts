/**
 * Child-process plumbing for the orchestrator: forking TypeScript entry points
 * under tsx, the server process handle, and one-shot IPC jobs with a timeout.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerCommand, ServerEvent } from "./types.js";

/** Folder of the benchmark sources. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** Root of the project. */
export const ROOT_DIR = dirname(BENCH_DIR);

const TSX = import.meta.resolve("tsx");

/**
 * Forks `bench/<file>` with an IPC channel (stdout/stderr inherited): a `.ts`
 * file under the tsx loader, a `.js` file (from `bench/.build/`) with plain node.
 * With BENCH_CPU_PROF=<dir> every child writes a V8 CPU profile there.
 * `nodeFlags` are extra Node/V8 flags of the child (e.g. a heap cap).
 */
export function forkBench(file: string, nodeFlags: readonly string[] = []): ChildProcess {
  const prof = process.env.BENCH_CPU_PROF;
  const profile = prof !== undefined && prof !== "" ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [];
  return fork(join(BENCH_DIR, file), [], {
    execArgv: file.endsWith(".ts") ? ["--import", TSX, ...profile, ...nodeFlags] : [...profile, ...nodeFlags],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** The worker entry point, transpiled by `build-js.ts`. */
export const WORKER_FILE = ".build/worker.js";

/** Waits for the first IPC message matching `accept`, or rejects on exit/timeout. */
export function nextMessage<T>(child: ChildProcess, accept: (m: unknown) => m is T, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: unknown): void => {
      if (!accept(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`child exited (code ${code}, signal ${signal}) before replying`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/**
 * Waits up to `graceMs` for a child this process started to exit by itself
 * (workers exit after replying), then kills it by its own handle.
 */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, "exit");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}

/** A running benchmark server process. */
export interface ServerHandle {
  restUrl: string;
  h2Url: string;
  /** Sends a command and waits for the reply of the given type. */
  request<K extends ServerEvent["type"]>(cmd: ServerCommand, reply: K): Promise<Extract<ServerEvent, { type: K }>>;
  close(): Promise<void>;
}

/** Forks `bench/server.ts` and waits until both ports listen. */
export async function startServer(): Promise<ServerHandle> {
  const child = forkBench("server.ts");
  const isEvent =
    <K extends ServerEvent["type"]>(type: K) =>
    (m: unknown): m is Extract<ServerEvent, { type: K }> =>
      typeof m === "object" && m !== null && (m as { type?: unknown }).type === type;
  try {
    const ready = await nextMessage(child, isEvent("ready"), 30_000);
    return {
      restUrl: `http://127.0.0.1:${ready.restPort}`,
      h2Url: `http://127.0.0.1:${ready.h2Port}`,
      request: (cmd, reply) => {
        const answer = nextMessage(child, isEvent(reply), 30_000);
        child.send(cmd);
        return answer;
      },
      close: async () => {
        if (child.connected) child.send({ type: "close" } satisfies ServerCommand);
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
        clearTimeout(timer);
      },
    };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}
