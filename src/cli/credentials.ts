/**
 * Where the CLI's credentials come from: `--credentials FILE` (an
 * authorized_user JSON), else `DATAPORTABILITY_ACCESS_TOKEN`, else
 * application default credentials. google-auth-library loads only for the
 * file and for ADC.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { ConnectError } from "@connectrpc/connect";
import type { OAuth2Client } from "google-auth-library";
import { loadGoogleAuthLibrary, type GoogleAuthLibrary } from "../auth/google-auth-loader.js";
import { mayCarryCredentials } from "../auth/index.js";
import { CliError, EXIT } from "./exit-codes.js";
import { ACCESS_TOKEN_ENV } from "./global-options.js";

/** Credentials ready for the client, and the secret values to redact. */
export interface ResolvedCredentials {
  /** An OAuth2Client (file or ADC) or a static access token. */
  readonly auth: OAuth2Client | string;
  /** Secret strings that must never be printed. */
  readonly secrets: readonly string[];
  /** Where they came from, for `--verbose`. */
  readonly source: string;
}

function authError(message: string, hint?: string): CliError {
  return new CliError(EXIT.auth, message, hint);
}

/**
 * google-auth-library (an optional peer dependency), or a CliError
 * ({@link EXIT.auth}) saying how to install it when it is missing.
 */
async function googleAuthLibrary(purpose: string): Promise<GoogleAuthLibrary> {
  try {
    return await loadGoogleAuthLibrary(purpose);
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    throw authError(
      e.rawMessage,
      `npm install google-auth-library (npm install -g google-auth-library next to a global install), or set ${ACCESS_TOKEN_ENV} to an access token instead`,
    );
  }
}

function stringField(json: Record<string, unknown>, key: string, file: string): string {
  const value = json[key];
  if (typeof value !== "string" || value === "") {
    throw authError(`credentials file ${file} has no "${key}"`);
  }
  return value;
}

/**
 * Reads an authorized_user JSON (`type`, `client_id`, `client_secret`,
 * `refresh_token`, and optionally `token_uri`, the token endpoint, default
 * Google's) into a google-auth-library UserRefreshClient.
 */
export async function loadAuthorizedUserFile(file: string): Promise<ResolvedCredentials> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    const why = (e as { code?: unknown }).code === "ENOENT" ? "it does not exist" : "it is not readable JSON";
    throw authError(`cannot read credentials file ${file}: ${why}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw authError(`credentials file ${file} is not a JSON object`);
  }
  const fields = json as Record<string, unknown>;
  if (fields["type"] !== "authorized_user") {
    throw authError(
      `credentials file ${file} has type ${JSON.stringify(fields["type"])}; the Data Portability API needs end-user consent, an "authorized_user" credential`,
      "create one with: gcloud auth application-default login --client-id-file=CLIENT.json --scopes=https://www.googleapis.com/auth/dataportability.<group>",
    );
  }
  const clientId = stringField(fields, "client_id", file);
  const clientSecret = stringField(fields, "client_secret", file);
  const refreshToken = stringField(fields, "refresh_token", file);
  const tokenUri = fields["token_uri"];
  if (tokenUri !== undefined && (typeof tokenUri !== "string" || !URL.canParse(tokenUri) || !mayCarryCredentials(tokenUri))) {
    throw authError(`credentials file ${file}: token_uri must be an https URL (or http on loopback)`);
  }
  const { UserRefreshClient } = await googleAuthLibrary("an authorized_user credentials file (--credentials)");
  const client = new UserRefreshClient({
    clientId,
    clientSecret,
    refreshToken,
    ...(typeof tokenUri === "string" ? { endpoints: { oauth2TokenUrl: tokenUri } } : {}),
  });
  return { auth: client, secrets: [clientSecret, refreshToken], source: `authorized_user file ${file}` };
}

/** Loads application default credentials; they must be an authorized_user credential. */
export async function loadApplicationDefault(): Promise<ResolvedCredentials> {
  const { GoogleAuth } = await googleAuthLibrary("application default credentials");
  // The CLI owns its process: skip google-auth-library's probe of the GCE
  // metadata server (unless the user configured it). Credentials from there
  // are a service account's, which this API refuses, and a failed probe
  // prints a MetadataLookupWarning after a delay.
  process.env["METADATA_SERVER_DETECTION"] ??= "none";
  let client: object;
  try {
    client = await new GoogleAuth().getClient();
  } catch {
    throw authError(
      "no credentials: application default credentials could not be loaded",
      `set ${ACCESS_TOKEN_ENV}, pass --credentials FILE (an authorized_user JSON), or run gcloud auth application-default login`,
    );
  }
  return { auth: client as OAuth2Client, secrets: [], source: "application default credentials" };
}

/**
 * The credentials of a run: `--credentials FILE`, else the access token in
 * `DATAPORTABILITY_ACCESS_TOKEN`, else application default credentials.
 */
export async function resolveCredentials(
  credentialsFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ResolvedCredentials> {
  if (credentialsFile !== undefined) return loadAuthorizedUserFile(credentialsFile);
  const token = env[ACCESS_TOKEN_ENV]?.trim();
  if (token) {
    if (!/^[\x21-\x7e]+$/.test(token)) throw authError(`${ACCESS_TOKEN_ENV} must hold one access token of visible ASCII characters`);
    return { auth: token, secrets: [token], source: ACCESS_TOKEN_ENV };
  }
  return loadApplicationDefault();
}
