/**
 * dataportability-connect: a typed, proto-first client for Google's Data
 * Portability API. The package root is cheap to import: heavy dependencies
 * (connect-node, google-auth-library, the emulator) load only when used.
 *
 * @module
 */

// The contract: service descriptor, message and enum schemas and types.
export * from "../gen/google/dataportability/v1/dataportability_pb.js";
// google.rpc error details (ErrorInfoSchema, RetryInfoSchema, ...) and Status.
export * from "../gen/google/rpc/error_details_pb.js";
export { StatusSchema, type Status } from "../gen/google/rpc/status_pb.js";
// Scopes and resource groups.
export * from "./scopes.js";
// REST transcoding transport (client side) and its server side.
export * from "./rest/index.js";
export * from "./rest/server/index.js";
// The client factory, auth, retries and typed errors.
export * from "./client/index.js";
export * from "./auth/index.js";
export * from "./retry/index.js";
export * from "./errors/index.js";
// The export helper (check → initiate → poll → download → guarded reset).
export * from "./export/index.js";
