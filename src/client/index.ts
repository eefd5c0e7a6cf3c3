/**
 * The Data Portability client: one call to a typed connect-es client over
 * REST, gRPC, gRPC-web or Connect, with auth, retries and deadlines.
 *
 * @module
 */

export {
  createDataPortabilityClient,
  createDataPortabilityTransport,
  createDataPortabilityInterceptors,
  setClientCredentials,
  type DataPortabilityClient,
  type DataPortabilityInterceptors,
} from "./create-client.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_CONCURRENT_CALLS,
  DEFAULT_TIMEOUT_MS,
  type DataPortabilityClientOptions,
} from "./client-options.js";
export {
  createProtocolTransport,
  DATA_PORTABILITY_PROTOCOLS,
  type DataPortabilityProtocol,
  type ProtocolTransportOptions,
} from "./protocol-transport.js";
export { createLazyTransport } from "./lazy-transport.js";
export { createInterceptedTransport, type InterceptedTransportOptions } from "./intercepted-transport.js";
export { resourceNameProblem } from "./resource-name-guard.js";
