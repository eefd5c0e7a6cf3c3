/**
 * A cheap structural check of a ZIP file: it must start with a ZIP record
 * and end with an end-of-central-directory record. It catches truncated
 * archives even when the server sent no Content-Length.
 *
 * @module
 */

import type { FileHandle } from "node:fs/promises";

const eocdSignature = 0x06054b50;
const eocdMinBytes = 22;
const maxCommentBytes = 0xffff;

/** Whether the file behind `handle` (of `size` bytes) looks like a whole ZIP archive. */
export async function looksLikeCompleteZip(handle: FileHandle, size: number): Promise<boolean> {
  if (size < eocdMinBytes) return false;
  const head = Buffer.alloc(4);
  await handle.read(head, 0, 4, 0);
  const first = head.readUInt32LE(0);
  if (first !== 0x04034b50 && first !== eocdSignature) return false;
  const tailLength = Math.min(size, eocdMinBytes + maxCommentBytes);
  const tail = Buffer.alloc(tailLength);
  await handle.read(tail, 0, tailLength, size - tailLength);
  for (let i = tailLength - eocdMinBytes; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== eocdSignature) continue;
    const commentLength = tail.readUInt16LE(i + 20);
    if (i + eocdMinBytes + commentLength === tailLength) return true;
  }
  return false;
}
