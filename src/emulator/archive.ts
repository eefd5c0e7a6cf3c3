/**
 * Builds (once per job) the ZIP archive a completed job serves.
 */
import { strToU8, zipSync, type Zippable } from "fflate";
import type { Job } from "./jobs.js";
import { archiveFiles } from "./takeout-layout.js";

/** The archive's file name in the download URL, like Takeout's numbered parts. */
export function archiveFileName(job: Job): string {
  return `dataportability-${job.id}-001.zip`;
}

const cache = new WeakMap<Job, Uint8Array>();

/** The ZIP bytes of a completed job (built on first use, then cached). */
export function archiveBytes(job: Job): Uint8Array {
  let bytes = cache.get(job);
  if (bytes === undefined) {
    const mtime = new Date(job.finishedAt ?? job.createdAt);
    const entries: Zippable = {};
    for (const [path, text] of Object.entries(archiveFiles(job))) {
      entries[path] = [strToU8(text), { mtime }];
    }
    bytes = zipSync(entries, { level: 6 });
    cache.set(job, bytes);
  }
  return bytes;
}
