/**
 * Atomic file creation: write to a temporary file in the target folder,
 * fsync, then move it into place. Readers never see a partial file, and a
 * failed write leaves nothing behind.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { access, link, open, rename, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";

/** An open temporary file; {@link AtomicFile.commit} publishes it, {@link AtomicFile.discard} removes it. */
export interface AtomicFile {
  /** The open handle of the temporary file. */
  readonly handle: FileHandle;
  /** fsyncs, closes and moves the file to its final name. */
  commit(): Promise<void>;
  /** Closes and deletes the temporary file (safe to call after a failed commit). */
  discard(): Promise<void>;
}

/**
 * Creates a temporary file `.<name>.<random>.part` next to `dir/name`.
 * `commit()` refuses to replace an existing `dir/name` (Code.AlreadyExists)
 * unless `overwrite` is set; without `overwrite` the final step is a hard
 * link, which fails atomically when the name is taken.
 */
export async function createAtomicFile(dir: string, name: string, overwrite: boolean): Promise<AtomicFile> {
  const target = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.part`);
  const handle = await open(temp, "wx+", 0o644);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    handle,
    async commit() {
      await handle.sync();
      await close();
      if (overwrite) await rename(temp, target);
      else await publishWithoutClobbering(temp, target);
      await syncDirectory(dir);
    },
    async discard() {
      await close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    },
  };
}

/** Code.AlreadyExists naming the file that would be overwritten. */
export function fileExistsError(target: string): ConnectError {
  return new ConnectError(
    `refusing to overwrite existing file ${target} (pass overwrite: true to replace it)`,
    Code.AlreadyExists,
  );
}

/** Whether a file (or anything) exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function publishWithoutClobbering(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw fileExistsError(target);
    // Filesystems without hard links: check, then rename (a small race remains).
    if (await pathExists(target)) throw fileExistsError(target);
    await rename(temp, target);
    return;
  }
  await unlink(temp);
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; not every platform can fsync a directory.
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort only.
  }
}
