/**
 * Downloading one archive file from a signed URL into a folder: streamed,
 * size-checked, written atomically.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { createAtomicFile, fileExistsError, pathExists } from "./atomic-file.js";
import { fileNameFromUrl, sanitizeFileName } from "./file-name.js";
import { redactUrl } from "./redact.js";
import { getSignedUrl, transportError } from "./signed-get.js";
import type { SignedGetOptions } from "./signed-get.js";
import { looksLikeCompleteZip } from "./zip-check.js";

/** A file written by a download. */
export interface DownloadedFile {
  /** Absolute path of the file. */
  readonly path: string;
  /** Its size in bytes (equal to the Content-Length the server sent, when it sent one). */
  readonly bytes: number;
  /** The URL it came from, without the query string (the signature is not kept). */
  readonly url: string;
}

/** Options of {@link downloadArchiveFile}. */
export interface DownloadOptions extends SignedGetOptions {
  /**
   * The file name to use. By default it is the last path segment of the URL,
   * sanitized; a given name must already be a safe single component.
   */
  readonly fileName?: string;
  /** Replace an existing file of the same name (default false: Code.AlreadyExists). */
  readonly overwrite?: boolean;
  /**
   * Check the ZIP structure (start record and end-of-central-directory)
   * before publishing the file. Default: when the file name ends in `.zip`.
   */
  readonly verifyZip?: boolean;
  /** Called as bytes arrive, with the running total and the Content-Length (if any). */
  readonly onProgress?: (bytes: number, totalBytes: number | undefined) => void;
}

/**
 * Downloads `url` into the folder `outDir` (created if missing) and returns
 * the file written.
 *
 * The GET carries no credentials (the URL is signed). The body is streamed
 * into a temporary file in `outDir` that is fsynced and then renamed, so the
 * final name only ever holds a complete file. A body shorter or longer than
 * the Content-Length, a connection cut mid-body, or (for `.zip`) a file
 * without an end-of-central-directory record is `Code.DataLoss`; nothing is
 * left on disk. Errors name the URL without its query string.
 */
export async function downloadArchiveFile(
  url: string,
  outDir: string,
  options: DownloadOptions = {},
): Promise<DownloadedFile> {
  const name = options.fileName ?? fileNameFromUrl(url, "archive.zip");
  if (name === "" || sanitizeFileName(name) !== name || basename(name) !== name) {
    throw new ConnectError(`unsafe download file name ${JSON.stringify(name)}`, Code.InvalidArgument);
  }
  const dir = resolve(outDir);
  const target = join(dir, name);
  await mkdir(dir, { recursive: true });
  if (!options.overwrite && (await pathExists(target))) throw fileExistsError(target);

  const { response, url: finalUrl } = await getSignedUrl(url, options);
  const where = `download of ${redactUrl(url)}`;
  const total = parseContentLength(response.headers["content-length"]);
  let file;
  try {
    file = await createAtomicFile(dir, name, options.overwrite ?? false);
  } catch (err) {
    response.destroy();
    throw err;
  }
  let bytes = 0;
  try {
    try {
      for await (const chunk of response) {
        const data = chunk as Buffer;
        await file.handle.write(data);
        bytes += data.length;
        options.onProgress?.(bytes, total);
      }
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      if (options.signal?.aborted) throw transportError(err, finalUrl, options.signal);
      throw truncated(where, bytes, total);
    }
    if (!response.complete) throw truncated(where, bytes, total);
    if (total !== undefined && bytes !== total) {
      throw new ConnectError(
        `${where}: received ${bytes} bytes but Content-Length was ${total}; the file was not kept`,
        Code.DataLoss,
      );
    }
    if ((options.verifyZip ?? name.toLowerCase().endsWith(".zip")) && !(await looksLikeCompleteZip(file.handle, bytes))) {
      throw new ConnectError(`${where}: the ${bytes} bytes received are not a complete ZIP archive`, Code.DataLoss);
    }
    await file.commit();
  } catch (err) {
    response.destroy();
    await file.discard();
    throw err;
  }
  return { path: target, bytes, url: redactUrl(url) };
}

function truncated(where: string, bytes: number, total: number | undefined): ConnectError {
  const expected = total === undefined ? "" : ` of ${total}`;
  return new ConnectError(
    `${where}: the connection ended after ${bytes}${expected} bytes (truncated body); the file was not kept`,
    Code.DataLoss,
  );
}

function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
