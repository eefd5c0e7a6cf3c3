/**
 * The one-call export helper.
 *
 * @module
 */

import type { ExportResult, ExportRunOptions } from "./run-export.js";
import { createExportSession } from "./session.js";
import type { ExportSessionOptions } from "./session.js";
import type { DataPortabilityClient } from "../client/index.js";

/** Options of {@link exportArchive}: the session settings and the export itself. */
export interface ExportArchiveOptions extends ExportSessionOptions, ExportRunOptions {}

/**
 * Exports `resources` into `outDir` in one call: CheckAccessType, one
 * initiate per resource group (or one combined job), polling with backoff,
 * download of every archive file, and, only if `resetAfter: true` and
 * everything was downloaded, ResetAuthorization at the very end.
 *
 * `resetAfter` defaults to false: a reset revokes the user's tokens, resets
 * exhausted scopes and lets Google delete the archives, so it must come after
 * all jobs are done and downloaded, never merely before a new job. To inspect
 * the jobs after an error, create the session yourself
 * ({@link createExportSession}) and call its `export` method.
 */
export function exportArchive(client: DataPortabilityClient, options: ExportArchiveOptions): Promise<ExportResult> {
  return createExportSession(client, options).export(options);
}
