/**
 * Response decoding for gRPC transcoding: proto3 JSON of the output message,
 * or of one field of it when the binding has `response_body`.
 */
import {
  create,
  fromJson,
  fromJsonString,
  type DescField,
  type DescMethod,
  type JsonReadOptions,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compileBinding } from "./compiled-template.js";
import type { HttpBinding } from "./http-rule.js";

const utf8 = new TextDecoder();
const DEFAULT_READ_OPTIONS: Partial<JsonReadOptions> = Object.freeze({ ignoreUnknownFields: true });

function isBlank(text: string): boolean {
  return text.trim() === "";
}

/** `true` for the two bytes `{}`. */
function isEmptyObject(body: Uint8Array): boolean {
  return body.byteLength === 2 && body[0] === 0x7b && body[1] === 0x7d;
}

/**
 * Decodes a successful response body into `output`; with `field` (the
 * binding's `response_body`) the JSON is the value of that field.
 */
export function decodeResponseBody(
  method: DescMethod,
  field: DescField | undefined,
  body: Uint8Array,
  options: Partial<JsonReadOptions>,
): Message {
  const output = method.output;
  if (body.byteLength === 0 || (field === undefined && isEmptyObject(body))) return create(output);
  try {
    const text = utf8.decode(body);
    if (field === undefined) {
      return isBlank(text) ? create(output) : fromJsonString(output, text, options);
    }
    const value = JSON.parse(text) as JsonValue;
    return fromJson(output, { [field.jsonName]: value }, options);
  } catch (e) {
    throw new ConnectError(
      `cannot decode the REST response of ${method.parent.typeName}.${method.name} as ${output.typeName}: ${e instanceof Error ? e.message : String(e)}`,
      Code.Internal,
      undefined,
      undefined,
      e,
    );
  }
}

/**
 * Decodes a successful REST response body into the output message of
 * `method`. An empty body gives the default message (e.g. `Empty`); with
 * `response_body` the JSON is the value of that field. Unknown fields are
 * ignored unless `options.ignoreUnknownFields` is `false`. Throws a
 * `ConnectError` (`Internal`) for a body that is not valid JSON for the type.
 */
export function decodeRestResponse(
  method: DescMethod,
  binding: HttpBinding,
  body: Uint8Array,
  options?: Partial<JsonReadOptions>,
): Message {
  const readOptions =
    options === undefined
      ? DEFAULT_READ_OPTIONS
      : options.ignoreUnknownFields === undefined
        ? { ignoreUnknownFields: true, ...options }
        : options;
  return decodeResponseBody(method, compileBinding(method, binding).responseBodyField, body, readOptions);
}
