/**
 * Client side of gRPC⇄HTTP/JSON transcoding (`google.api.http`): a
 * connect-es `Transport` for REST APIs, and the building blocks it is made
 * of (template parser, binding reader, request encoder, error decoding).
 *
 * @module
 */

/** The REST transport: {@link createRestTransport} and its options. */
export {
  createRestTransport,
  DEFAULT_MAX_RESPONSE_BYTES,
  type RestTransportOptions,
} from "./transport.js";
/** The HTTP client abstraction the transport runs on. */
export type { RestHttpClient, RestHttpRequest, RestHttpResponse } from "./http-client.js";
/** The default HTTP client: undici, keep-alive, loaded on the first request. */
export {
  createUndiciHttpClient,
  DEFAULT_UNDICI_CONNECTIONS,
  type UndiciHttpClientOptions,
} from "./undici-http-client.js";
/** A keep-alive `node:http`/`node:https` client. */
export {
  createNodeHttpClient,
  DEFAULT_NODE_MAX_SOCKETS,
  type NodeHttpClientOptions,
} from "./node-http-client.js";
/** Path template parsing. */
export {
  parsePathTemplate,
  type PathTemplate,
  type TemplateSegment,
  type TemplateVariable,
} from "./path-template.js";
/** HttpRule bindings of a method. */
export { getHttpBindings, type HttpBinding } from "./http-rule.js";
/** Bindings resolved against the method's schemas. */
export {
  compileBinding,
  compileBindings,
  type CompiledBinding,
  type CompiledVariable,
} from "./compiled-template.js";
/** Request encoding and response decoding. */
export { encodeRestRequest, type RestRequest } from "./request-encoder.js";
/** Response decoding (proto3 JSON, `response_body`). */
export { decodeRestResponse } from "./response-decoder.js";
/** Percent-encoding per the HttpRule rules. */
export {
  encodePathSegment,
  encodePathSegments,
  encodeQueryComponent,
  percentDecode,
  type PercentDecodeOptions,
} from "./percent-encoding.js";
/** HTTP status ⇄ Code tables. */
export {
  codeFromHttpStatus,
  codeFromStatusName,
  httpStatusFromCode,
  statusNameFromCode,
} from "./http-status.js";
/** JSON error bodies. */
export {
  errorDetailsRegistry,
  errorFromJsonBody,
  errorToJsonBody,
  type ErrorJsonOptions,
} from "./error-json.js";
/** The package version. */
export { VERSION } from "../version.js";
