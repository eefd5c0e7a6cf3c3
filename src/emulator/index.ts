/**
 * A local emulator of Google's Data Portability API (package subpath
 * "dataportability-connect/emulator"): one plaintext port serving gRPC,
 * gRPC-web, Connect and REST, a minimal OAuth 2.0 server compatible with
 * google-auth-library, signed download URLs, a virtual clock, fault
 * injection and admin routes under `/emulator/v1/`.
 *
 * @module
 */
/** Starting an emulator and the running emulator's API. */
export { startEmulator, type Emulator, type EmulatorCalls, type EmulatorJobs } from "./server.js";
/** Running one until SIGINT / SIGTERM (the CLI's `emulator` command). */
export { runEmulator, type RunEmulatorOptions } from "./run.js";
/** Options, runtime settings and their defaults. */
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RESOURCE_GROUPS,
  DEFAULT_SETTINGS,
  type EmulatorOptions,
  type EmulatorSettings,
  type JobOutcome,
  type JobOutcomeInput,
  type JobOutcomeRule,
  type TimeBasedCooldownCode,
} from "./options.js";
/** The virtual clock. */
export type { VirtualClock } from "./clock.js";
/** Consent (grants) and tokens. */
export type { ConsentAccessType, ConsentRequest, ConsentTokens, TokenCounts } from "./oauth-store.js";
/** Fault injection. */
export { FAULT_TARGETS, type Fault, type FaultEffect, type FaultRegistry } from "./faults.js";
/** State inspection (never with token values). */
export type { EmulatorSnapshot, GrantView, JobView } from "./inspect.js";
/** ErrorInfo domains and reasons the emulator uses. */
export { API_ERROR_DOMAIN, AUTH_ERROR_DOMAIN, ErrorReason } from "./errors.js";
/** Paths of the admin routes and the OAuth endpoints. */
export { ADMIN_PATH_PREFIX, REVOKE_PATH, TOKEN_PATH } from "./request-route.js";
