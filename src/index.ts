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
