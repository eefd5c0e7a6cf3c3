/**
 * Server side of gRPC ⇄ HTTP/JSON transcoding: serve the `google.api.http`
 * bindings of connect-es service implementations over REST.
 */

/** The REST handler: {@link createRestHandler} and its options. */
export {
  createRestHandler,
  DEFAULT_MAX_REQUEST_BYTES,
  type RestHandler,
  type RestHandlerOptions,
  type RestJsonOptions,
} from "./rest-handler.js";
/** Google API system parameter names accepted in any query string. */
export { isSystemParameter } from "./query-params.js";
/** Node.js handler types (the ones connect-node's adapter uses). */
export type { NodeHandlerFn, NodeServerRequest, NodeServerResponse } from "./node-http.js";
