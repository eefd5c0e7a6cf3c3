/**
 * Loads google-auth-library, an optional peer dependency, on demand: a
 * missing install becomes a ConnectError that says how to fix it instead of
 * a raw `ERR_MODULE_NOT_FOUND`.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/** The google-auth-library module namespace. */
export type GoogleAuthLibrary = typeof import("google-auth-library");

/** Imports google-auth-library (the default importer of {@link loadGoogleAuthLibrary}). */
export function importGoogleAuthLibrary(): Promise<GoogleAuthLibrary> {
  return import("google-auth-library");
}

/** Node's codes for a module that cannot be found (ESM and CommonJS). */
function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * The ConnectError (FAILED_PRECONDITION) for a missing google-auth-library;
 * `purpose` says what needed it ("application default credentials", …).
 */
export function googleAuthLibraryMissing(purpose: string, cause?: unknown): ConnectError {
  return new ConnectError(
    `google-auth-library is not installed: install google-auth-library (npm install google-auth-library) ` +
      `to use ${purpose}. It is an optional peer dependency of dataportability-connect; a static access ` +
      `token (auth: "<token>" or { accessToken }) works without it`,
    Code.FailedPrecondition,
    undefined,
    undefined,
    cause,
  );
}

/**
 * Imports google-auth-library with `load` (default: a plain dynamic
 * import). When the module (or one of its own dependencies) is not
 * installed, rejects with {@link googleAuthLibraryMissing} for `purpose`,
 * keeping Node's error as `cause`; other failures pass through unchanged.
 */
export async function loadGoogleAuthLibrary(
  purpose: string,
  load: () => Promise<GoogleAuthLibrary> = importGoogleAuthLibrary,
): Promise<GoogleAuthLibrary> {
  try {
    return await load();
  } catch (e) {
    if (isModuleNotFound(e)) throw googleAuthLibraryMissing(purpose, e);
    throw e;
  }
}
