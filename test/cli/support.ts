/**
 * Helpers of the CLI tests: run the CLI as a child process (bounded by a
 * timeout, output checked for leaked secrets), and an emulator with
 * per-test consents.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startEmulator, type ConsentTokens, type Emulator, type EmulatorOptions } from "../../src/emulator/index.js";

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "../..");

/** The command that runs the CLI from source. */
export const CLI = [process.execPath, "--import", "tsx", "src/cli/main.ts"] as const;

/** A finished child process. */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the child after this long (default 20 s). */
  readonly timeoutMs?: number;
  /** Values that must appear in neither stdout nor stderr. */
  readonly secrets?: readonly string[];
  /** The command to run instead of the CLI from source. */
  readonly command?: readonly string[];
  /** Called after each chunk of output, e.g. to signal the child at the right moment. */
  readonly onOutput?: (child: ChildProcess, output: { stdout: string; stderr: string }) => void;
}

/** The environment of a child: no ambient credentials, no metadata-server probe. */
function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, METADATA_SERVER_DETECTION: "none", NO_COLOR: "1" };
  delete env["DATAPORTABILITY_ACCESS_TOKEN"];
  delete env["GOOGLE_APPLICATION_CREDENTIALS"];
  return { ...env, ...extra };
}

/**
 * Runs `dataportability <args>` (or `options.command`) in the repository
 * root and resolves when it exits. Fails the test when it outlives the
 * timeout (it is killed) or prints a secret.
 */
export function run(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const [file, ...rest] = options.command ?? CLI;
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise<CliRun>((resolvePromise, reject) => {
    const child = spawn(file!, [...rest, ...args], { cwd: ROOT, env: childEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const onOutput = options.onOutput;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      onOutput?.(child, { stdout, stderr });
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      onOutput?.(child, { stdout, stderr });
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`dataportability ${args.join(" ")} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      for (const secret of options.secrets ?? []) {
        expect(stdout, "stdout leaks a secret").not.toContain(secret);
        expect(stderr, "stderr leaks a secret").not.toContain(secret);
      }
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** The lines of an output, without the trailing empty one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line, i, all) => line !== "" || i < all.length - 1);
}

/** The one JSON document a `--json` run printed. */
export function json(text: string): unknown {
  const trimmed = text.trim();
  expect(trimmed.split("\n")).toHaveLength(1);
  return JSON.parse(trimmed);
}

/** An emulator for the enclosing file or `describe`, closed after it. */
export function useEmulator(options: EmulatorOptions = {}): { readonly current: Emulator } {
  const holder: { current: Emulator | undefined } = { current: undefined };
  beforeAll(async () => {
    holder.current = await startEmulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return {
    get current(): Emulator {
      if (holder.current === undefined) throw new Error("the emulator is not running");
      return holder.current;
    },
  };
}

let users = 0;

/** A fresh user's one-time consent to `resources` (a new user each time, so tests do not share jobs). */
export async function consent(emulator: Emulator, resources: readonly string[]): Promise<ConsentTokens & { user: string }> {
  const user = `cli-user-${++users}-${process.pid}@example.com`;
  return { ...(await emulator.consent({ user, resources })), user };
}

/** The environment that hands the CLI an access token (kept out of argv). */
export function tokenEnv(token: string): Record<string, string> {
  return { DATAPORTABILITY_ACCESS_TOKEN: token };
}

/** A temporary folder, removed by the returned function. */
export async function tempDir(prefix = "dpc-cli-"): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A temporary folder for the enclosing file or `describe`, removed after it. */
export function useTempDir(): { readonly path: string } {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir?.remove();
  });
  return {
    get path(): string {
      if (dir === undefined) throw new Error("the temporary folder does not exist yet");
      return dir.path;
    },
  };
}

/** Writes an authorized_user JSON whose token endpoint is the emulator's. */
export async function writeCredentialsFile(dir: string, emulator: Emulator, refreshToken: string): Promise<string> {
  const file = join(dir, `authorized-user-${++users}.json`);
  await writeFile(
    file,
    JSON.stringify({
      type: "authorized_user",
      client_id: emulator.clientId,
      client_secret: emulator.clientSecret,
      refresh_token: refreshToken,
      token_uri: emulator.tokenUrl,
    }),
  );
  return file;
}
