/**
 * The global flags, checked and typed.
 *
 * @module
 */

import { DATA_PORTABILITY_PROTOCOLS, type DataPortabilityProtocol } from "../client/protocol-transport.js";
import { parseDuration, parseInteger } from "./arguments.js";
import { usageError } from "./exit-codes.js";

/** The wire protocols `--protocol` accepts. */
export const PROTOCOL_CHOICES: readonly DataPortabilityProtocol[] = DATA_PORTABILITY_PROTOCOLS;

/** The environment variable holding a static access token (kept out of argv). */
export const ACCESS_TOKEN_ENV = "DATAPORTABILITY_ACCESS_TOKEN";

/** The global flags after checking. */
export interface GlobalOptions {
  /** `--protocol` (default rest). */
  readonly protocol: DataPortabilityProtocol;
  /** `--endpoint`: the API base URL; undefined for Google's. */
  readonly endpoint: string | undefined;
  /** `--emulator`: run against an embedded emulator with a demo consent. */
  readonly emulator: boolean;
  /** `--credentials`: an authorized_user JSON file. */
  readonly credentials: string | undefined;
  /** `--quota-project`: sent as `x-goog-user-project`. */
  readonly quotaProject: string | undefined;
  /** `--json`: machine-readable output. */
  readonly json: boolean;
  /** `--dry-run`: print the request as a curl command and send nothing. */
  readonly dryRun: boolean;
  /** `--verbose`: request/response lines on stderr. */
  readonly verbose: boolean;
  /** `--timeout`: deadline of each call, in ms. */
  readonly timeoutMs: number | undefined;
  /** `--max-attempts`: attempts per call (1 = no retries). */
  readonly maxAttempts: number | undefined;
}

/** What commander hands over for the global flags. */
export interface RawGlobalOptions {
  protocol?: string;
  endpoint?: string;
  emulator?: boolean;
  credentials?: string;
  quotaProject?: string;
  json?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  timeout?: string;
  maxAttempts?: string;
}

function checkEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`--endpoint ${JSON.stringify(value)} is not a URL: use e.g. https://dataportability.googleapis.com`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "") {
    throw usageError(`--endpoint ${JSON.stringify(value)} must be an http(s) URL without query or fragment`);
  }
  return value.replace(/(?<!\/)\/+$/, ""); // the lookbehind keeps this linear
}

/** Checks the raw global flags; throws a usage error naming the bad one. */
export function readGlobalOptions(raw: RawGlobalOptions): GlobalOptions {
  const protocol = (raw.protocol ?? "rest") as DataPortabilityProtocol;
  if (!PROTOCOL_CHOICES.includes(protocol)) {
    throw usageError(`--protocol ${JSON.stringify(raw.protocol)}: use one of ${PROTOCOL_CHOICES.join(", ")}`);
  }
  if (raw.emulator && raw.endpoint !== undefined) {
    throw usageError("--emulator and --endpoint cannot be combined: --emulator points at the embedded emulator");
  }
  if (raw.emulator && raw.credentials !== undefined) {
    throw usageError("--emulator and --credentials cannot be combined: --emulator uses its own demo consent");
  }
  if (raw.quotaProject !== undefined && !/^[\x21-\x7e]+$/.test(raw.quotaProject)) {
    throw usageError(`--quota-project ${JSON.stringify(raw.quotaProject)} is not a project id`);
  }
  return {
    protocol,
    endpoint: raw.endpoint === undefined ? undefined : checkEndpoint(raw.endpoint),
    emulator: raw.emulator === true,
    credentials: raw.credentials,
    quotaProject: raw.quotaProject,
    json: raw.json === true,
    dryRun: raw.dryRun === true,
    verbose: raw.verbose === true,
    timeoutMs: raw.timeout === undefined ? undefined : parseDuration("--timeout", raw.timeout),
    maxAttempts: raw.maxAttempts === undefined ? undefined : parseInteger("--max-attempts", raw.maxAttempts, 1, 10),
  };
}
